// Shows the render job's progress without a reload: queued, rendering, ready or failed.
(function () {
  "use strict";
  var box = document.getElementById("programme-status");
  if (!box) { return; }
  var url = box.dataset.statusUrl;
  var polls = 0;  // at most ~2 minutes: the page must not keep an idle session alive
  function poll() {
    polls += 1;
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
        } else if (polls < 60) {
          box.textContent = job.label + "…";
          setTimeout(poll, polls < 20 ? 1000 : 3000);
        } else {
          box.textContent = job.label + ": this is taking longer than usual. Reload the page later.";
        }
      });
  }
  if (!box.querySelector("a")) { setTimeout(poll, 500); }
})();
