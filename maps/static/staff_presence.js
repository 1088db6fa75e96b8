/* Back office ticket page: tells the server every 30 s that this agent still has the ticket open, so a
   colleague opening it sees who else is on it. Enhancement only: opening the page records it too. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var url = script.getAttribute("data-heartbeat");
  var csrf = script.getAttribute("data-csrf");
  function beat() {
    if (document.visibilityState === "hidden") { return; }
    fetch(url, {method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf}}).catch(function () {});
  }
  window.setInterval(beat, 30000);
}());
