// My Dashboard: ticking a message's box marks it read at once, unticking marks it
// unread, and the header's count follows. Without this script each row's Save
// button posts the same form. No inline script, so a strict CSP allows it.
(function () {
  "use strict";

  function updateCount(data) {
    document.querySelectorAll("[data-dashboard-unread]").forEach(function (badge) {
      badge.textContent = data.unread ? "(" + data.unread_label + ")" : "";
    });
  }

  function markRow(form, read) {
    var row = form.closest("tr");
    if (!row) return;
    row.classList.toggle("portal-message--read", read);
    row.classList.toggle("portal-message--unread", !read);
  }

  document.querySelectorAll("form[data-dashboard-read]").forEach(function (form) {
    var box = form.querySelector("input[name=read]");
    var save = form.querySelector("[data-dashboard-save]");
    if (!box) return;
    if (save) save.hidden = true;
    box.addEventListener("change", function () {
      var read = box.checked;
      // Read the form before disabling the box: a disabled box is not sent.
      var body = new FormData(form);
      box.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") === -1) {
            throw new Error("not saved");
          }
          return response.json();
        })
        .then(function (data) {
          box.disabled = false;
          box.checked = data.read;
          markRow(form, data.read);
          updateCount(data);
        })
        .catch(function () {
          // Signed out, offline or refused: post the form the ordinary way, which
          // shows the answer (a sign-in page, or the saved state) in full.
          box.disabled = false;
          box.checked = read;
          form.submit();
        });
    });
  });
})();
