-- The browser models' shape and size (ml.browser_models), for the model card's section on them.
select
    task,
    model,
    hidden_layer_sizes,
    training_iterations,
    json_bytes
from ml.browser_models
order by task
