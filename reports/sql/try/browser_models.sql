-- The networks the page runs in the browser (ml.browser_models): one JSON model per task.
select
    task,
    model,
    hidden_layer_sizes,
    training_iterations,
    json_bytes,
    parameters_json
from ml.browser_models
order by task
