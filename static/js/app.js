// After a failed submit, take the keyboard to the error summary at the top (UX.md "Everyone"):
// its links lead to each field, and a screen reader reads the list out.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
// Idle-timeout warning (SECURITY.md "sessions"): warn before the server ends the session.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  if (!idle) { return; }
  var warnBefore = parseInt(body.dataset.warningSeconds || "120", 10);
  var box = document.getElementById("session-warning");
  var button = document.getElementById("session-keepalive");
  var warnTimer, endTimer;
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = setTimeout(function () { box.hidden = false; button.focus(); }, (idle - warnBefore) * 1000);
    endTimer = setTimeout(function () { box.textContent = "Your session has ended. Save your work: you will be asked to log in again and what you typed will be kept."; }, idle * 1000);
  }
  button.addEventListener("click", function () {
    fetch(body.dataset.keepaliveUrl, {credentials: "same-origin"}).then(function (r) {
      if (r.ok && !r.redirected) { schedule(); } else { window.location = body.dataset.loginUrl; }
    });
  });
  schedule();
})();
// Caseload: one box ticks every patient shown, for the reassign form (a deactivated
// physiotherapist's twenty patients are one tick, not twenty). Without a script the box stays
// hidden and each patient is ticked on its own.
(function () {
  "use strict";
  var all = document.getElementById("tick-all");
  if (!all) { return; }
  var boxes = document.querySelectorAll('input[name="patients"][form="reassign"]');
  if (!boxes.length) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
// Override form: a referral's urgency and the pause are asked once "Refer" is chosen. Without
// a script both stay, labelled "If you refer", and the server ignores them for other decisions.
(function () {
  "use strict";
  var form = document.querySelector("form[data-refer-fields]");
  if (!form) { return; }
  var groups = form.dataset.referFields.split(" ").map(function (id) {
    return document.getElementById(id);
  });
  function show() {
    var chosen = form.querySelector('input[name="action"]:checked');
    var refer = !!chosen && chosen.value === form.dataset.referValue;
    groups.forEach(function (group) { if (group) { group.hidden = !refer; } });
  }
  form.addEventListener("change", show);
  show();
})();
