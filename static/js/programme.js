// Shows the render job's progress without a reload: queued, rendering, ready or failed.
(function () {
  "use strict";
  var box = document.getElementById("programme-status");
  if (!box) { return; }
  var url = box.dataset.statusUrl;
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        box.textContent = "";
        if (job.status === "ready") {
          box.append("Ready: ");
          var a = document.createElement("a");
          a.href = job.download_url;
          a.textContent = "download the programme (PDF)";
          box.append(a);
        } else if (job.status === "failed") {
          box.textContent = "The PDF could not be made: " + job.error;
        } else {
          box.textContent = job.label + "…";
          setTimeout(poll, 1000);
        }
      });
  }
  if (!box.querySelector("a")) { setTimeout(poll, 500); }
})();
