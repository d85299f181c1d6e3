// The live view: the server sends a section again whenever its HTML changed
// (server-sent events on /events); each is swapped in for the element with its id.
// Without JavaScript the page is the snapshot the server rendered.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var status = document.getElementById("live");
  function say(text, css) {
    if (status) { status.textContent = text; status.className = css; }
  }
  var source = new EventSource("/events");
  source.addEventListener("open", function () { say("live", "on"); });
  source.addEventListener("error", function () {
    say(source.readyState === EventSource.CLOSED ? "not live: reload the page (log in again?)"
                                                  : "reconnecting…", "off");
  });
  source.addEventListener("section", function (event) {
    var holder = document.createElement("template");
    holder.innerHTML = event.data;
    var fresh = holder.content.firstElementChild;
    var old = fresh && fresh.id ? document.getElementById(fresh.id) : null;
    if (old) { old.replaceWith(fresh); }
  });
})();
