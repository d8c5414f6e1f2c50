// Progressive enhancement only: every page works without this script.
(function () {
  'use strict';

  // A company picker changes page at once.
  document.querySelectorAll('[data-autosubmit]').forEach(function (el) {
    el.addEventListener('change', function () { el.form.submit(); });
  });
  document.querySelectorAll('form.company-picker button').forEach(function (b) { b.hidden = true; });

  // "Select all" ticks every invoice of its table.
  document.querySelectorAll('[data-select-all]').forEach(function (all) {
    all.addEventListener('change', function () {
      all.closest('form').querySelectorAll('input[name="invoiceIds"]').forEach(function (box) { box.checked = all.checked; });
    });
  });

  // Undo countdowns tick every second; once a window has run out the list reloads to show the
  // delivery, unless the user is in the middle of ticking invoices.
  var countdowns = document.querySelectorAll('.countdown[data-deadline]');
  var reloadAt = 0;
  function tick() {
    var now = Date.now();
    var due = false;
    countdowns.forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.deadline) - now) / 1000);
      if (left > 0) {
        el.textContent = el.dataset.label + ' ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
      } else {
        el.textContent = el.dataset.done;
        due = true;
      }
    });
    var ticked = document.querySelector('input[name="invoiceIds"]:checked');
    if (due && !ticked) {
      if (!reloadAt) reloadAt = now + 3000;
      if (now >= reloadAt) location.reload();
    }
  }
  if (countdowns.length) {
    tick();
    setInterval(tick, 1000);
  }

  // A send run's progress is fetched again every two seconds until the run has completed.
  function poll(el) {
    var url = el.dataset.live;
    if (!url) return;
    setTimeout(function () {
      fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (html) {
          var holder = document.createElement('div');
          holder.innerHTML = html;
          var next = holder.querySelector('#run-progress');
          if (!next) return;
          el.replaceWith(next);
          poll(next);
        })
        .catch(function () { poll(el); });
    }, 2000);
  }
  document.querySelectorAll('[data-live]').forEach(poll);
})();
