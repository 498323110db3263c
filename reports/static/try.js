/* "Try a track" (try.html): the browser models' predictions, computed here, offline.
 *
 * A model (ml.browser_models, models_ml/browser_models.py) is: a median per feature for a
 * missing input, a standardization, dense layers (ReLU between them) and a softmax (genres)
 * or a linear output scaled back to popularity. This is the same arithmetic as
 * scikit-learn's MLP forward pass on the same (rounded) parameters; a browser test checks
 * that both give the same numbers to 1e-6. Outputs carry their exact values in data-value
 * attributes, which is what that test reads.
 */
(function () {
  "use strict";
  const source = document.getElementById("try-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const models = data.models;
  const inputs = data.inputs;
  const TOP = 5;

  // --- the models ---------------------------------------------------------------------

  function forward(model, values) {
    let layer = model.features.map(function (name, i) {
      const value = values[name];
      const filled = Number.isFinite(value) ? value : model.medians[i];
      return (filled - model.mean[i]) / model.scale[i];
    });
    model.layers.forEach(function (step, j) {
      const last = j === model.layers.length - 1;
      const next = step.weights.map(function (row, k) {
        let sum = 0;
        for (let i = 0; i < row.length; i++) sum += layer[i] * row[i];
        return sum + step.bias[k];
      });
      layer = last ? next : next.map(function (v) { return v > 0 ? v : 0; });
    });
    if (model.output_activation === "softmax") {
      const top = Math.max.apply(null, layer);
      const exps = layer.map(function (v) { return Math.exp(v - top); });
      const total = exps.reduce(function (a, b) { return a + b; }, 0);
      return exps.map(function (v) { return v / total; });
    }
    if (model.output_activation === "logistic") {
      const p = 1 / (1 + Math.exp(-layer[0]));
      return [1 - p, p];
    }
    const popularity = layer[0] * model.target_scale + model.target_mean;
    return [Math.min(100, Math.max(0, popularity))];
  }

  function topClasses(model, probabilities) {
    return probabilities
      .map(function (value, index) { return { label: model.classes[index], value: value, index: index }; })
      .sort(function (a, b) { return b.value - a.value || a.index - b.index; })
      .slice(0, TOP);
  }

  // The output minus the output with one feature at the training median, per feature.
  function contributions(model, values, column) {
    const base = forward(model, values)[column];
    return model.features.map(function (name, i) {
      const typical = Object.assign({}, values);
      typical[name] = model.medians[i];
      return { feature: name, value: base - forward(model, typical)[column] };
    });
  }

  // --- the catalog tracks ---------------------------------------------------------------

  const column = {};
  data.track_columns.forEach(function (name, i) { column[name] = i; });
  const tracks = data.tracks;
  const inputByName = {};
  inputs.forEach(function (input) { inputByName[input.name] = input; });

  function nearest(values) {
    const scored = [];
    for (const track of tracks) {
      let distance = 0;
      let complete = true;
      for (const input of inputs) {
        const own = track[column[input.name]];
        const value = Number.isFinite(values[input.name]) ? values[input.name] : input.median;
        if (own === null) { complete = false; break; }
        const z = (value - own) / (input.std || 1);
        distance += z * z;
      }
      if (complete) scored.push({ track: track, distance: Math.sqrt(distance) });
    }
    scored.sort(function (a, b) { return a.distance - b.distance; });
    return scored.slice(0, data.neighbours);
  }

  // --- the page -----------------------------------------------------------------------

  const numberBox = {};
  const slider = {};
  inputs.forEach(function (input) {
    numberBox[input.name] = document.getElementById("input-" + input.name);
    slider[input.name] = document.getElementById("slider-" + input.name);
  });

  function currentValues() {
    const values = {};
    inputs.forEach(function (input) {
      const text = numberBox[input.name].value.trim();
      values[input.name] = text === "" ? NaN : Number(text);
    });
    return values;
  }

  function percent(value) { return (100 * value).toFixed(1) + "%"; }
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function describeModel(task, target) {
    const quality = (data.quality || {})[task] || {};
    const model = models[task];
    const sizes = model.layers.slice(0, -1).map(function (l) { return l.bias.length; }).join("-");
    const parts = [];
    const main = task === "popularity" ? "r2" : "accuracy";
    const label = task === "popularity" ? "R²" : "accuracy";
    const q = quality[main];
    if (q) {
      parts.push(label + " on unseen artists " + fmt(q.browser) + " (best model " + fmt(q.best) +
        ", reference RF " + fmt(q.reference) + ", baseline " + fmt(q.baseline) + ")");
    }
    target.textContent = "";
    target.append("Model: browser MLP (" + sizes + " hidden units)" + (parts.length ? "; " + parts.join("; ") : "") + ". ");
    const link = element("a", "", "Model card");
    link.href = "model.html#browser-" + task;
    target.append(link);
  }

  function fmt(value) { return value === null || value === undefined ? "–" : Number(value).toFixed(3); }

  function showBars(list, entries) {
    list.textContent = "";
    entries.forEach(function (entry) {
      const item = element("li");
      item.dataset.label = entry.label;
      item.dataset.value = String(entry.value);
      item.append(element("span", "try-label", entry.label));
      const bar = element("span", "try-bar");
      bar.style.setProperty("--bar", percent(entry.value));
      item.append(bar);
      item.append(element("span", "try-value", percent(entry.value)));
      list.append(item);
    });
  }

  function showContributions(table, entries, unit) {
    const body = table.querySelector("tbody");
    body.textContent = "";
    const largest = Math.max.apply(null, entries.map(function (e) { return Math.abs(e.value); }).concat([1e-12]));
    entries
      .slice()
      .sort(function (a, b) { return Math.abs(b.value) - Math.abs(a.value); })
      .forEach(function (entry) {
        const row = element("tr");
        row.dataset.feature = entry.feature;
        row.dataset.value = String(entry.value);
        row.append(element("td", "", inputByName[entry.feature] ? inputByName[entry.feature].label : entry.feature));
        // One decimal, percentage points for a probability; a change that rounds to zero is
        // shown as 0.0, never -0.0.
        const rounded = Math.round((unit === "pct" ? 1000 : 10) * entry.value) / 10;
        const text = rounded === 0 ? "0.0" : (rounded > 0 ? "+" : "") + rounded.toFixed(1);
        row.append(element("td", "num", text + (unit === "pct" ? " pts" : "")));
        const cell = element("td", "try-effect");
        const bar = element("span", entry.value >= 0 ? "try-up" : "try-down");
        bar.style.setProperty("--bar", (50 * Math.abs(entry.value) / largest).toFixed(1) + "%");
        cell.append(bar);
        row.append(cell);
        body.append(row);
      });
  }

  function showNeighbours(found) {
    const body = document.querySelector("#neighbours tbody");
    body.textContent = "";
    found.forEach(function (entry) {
      const row = element("tr");
      row.dataset.trackId = entry.track[column.track_id];
      row.append(element("td", "", entry.track[column.track_name]));
      row.append(element("td", "", entry.track[column.artist_names]));
      row.append(element("td", "num", String(entry.track[column.popularity])));
      row.append(element("td", "num", entry.distance.toFixed(2)));
      body.append(row);
    });
  }

  function render() {
    const values = currentValues();
    const playlist = topClasses(models.playlist_genre, forward(models.playlist_genre, values));
    showBars(document.getElementById("playlist-genre-top"), playlist);
    showBars(
      document.getElementById("track-genre-top"),
      topClasses(models.track_genre, forward(models.track_genre, values))
    );
    const popularity = forward(models.popularity, values)[0];
    const shown = document.getElementById("popularity-value");
    shown.dataset.value = String(popularity);
    shown.textContent = popularity.toFixed(0);
    const mae = ((data.quality.popularity || {}).mae || {}).browser;
    document.getElementById("popularity-error").textContent =
      mae === undefined || mae === null ? "" : "typically off by " + mae.toFixed(1) + " points (mean absolute error on unseen artists)";
    showContributions(
      document.getElementById("contributions-popularity"),
      contributions(models.popularity, values, 0),
      "points"
    );
    document.getElementById("contributions-genre-name").textContent = playlist[0].label;
    showContributions(
      document.getElementById("contributions-playlist_genre"),
      contributions(models.playlist_genre, values, playlist[0].index),
      "pct"
    );
    showNeighbours(nearest(values));
  }

  function setInput(name, value) {
    const known = value !== null && value !== undefined && Number.isFinite(Number(value));
    numberBox[name].value = known ? String(value) : "";
    if (known) slider[name].value = String(value);
  }

  function loadTrack(track) {
    const unknown = [];
    inputs.forEach(function (input) {
      const value = track[column[input.name]];
      if (value === null) unknown.push(input.label.toLowerCase());
      setInput(input.name, value);
    });
    document.getElementById("loaded-track").textContent =
      "Loaded: " + track[column.track_name] + " by " + track[column.artist_names] +
      " (popularity " + track[column.popularity] + ")." +
      (unknown.length ? " Not in the data: " + unknown.join(", ") + " (left empty: the models use their medians)." : "");
    render();
  }

  // --- wiring -------------------------------------------------------------------------

  inputs.forEach(function (input) {
    numberBox[input.name].addEventListener("input", function () {
      const text = numberBox[input.name].value.trim();
      if (text !== "" && Number.isFinite(Number(text))) slider[input.name].value = text;
      render();
    });
    slider[input.name].addEventListener("input", function () {
      numberBox[input.name].value = slider[input.name].value;
      render();
    });
  });

  const options = document.getElementById("track-options");
  const byOption = new Map();
  tracks.forEach(function (track) {
    if (!track[column.is_search_track]) return;
    const text = track[column.track_name] + " — " + track[column.artist_names];
    if (byOption.has(text)) return;
    byOption.set(text, track);
    const option = element("option");
    option.value = text;
    options.append(option);
  });
  const search = document.getElementById("track-search");
  function pick() {
    const track = byOption.get(search.value);
    if (track) loadTrack(track);
  }
  search.addEventListener("change", pick);
  search.addEventListener("input", pick);

  document.getElementById("reset-inputs").addEventListener("click", function () {
    inputs.forEach(function (input) { setInput(input.name, input.median); });
    document.getElementById("loaded-track").textContent = "Inputs at the catalog's medians.";
    render();
  });

  ["playlist_genre", "track_genre", "popularity"].forEach(function (task) {
    describeModel(task, document.getElementById("model-" + task));
  });
  render();
})();
