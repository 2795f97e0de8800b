// Inspector county server: the little script the pages need (no framework, no network beyond this server).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function pollJob(panel) {
    var id = panel.getAttribute("data-job");
    var bar = document.getElementById("job-progress");
    var status = document.getElementById("job-status");
    function tick() {
      fetch("/admin/reverify/" + encodeURIComponent(id) + "?format=json", {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          bar.max = Math.max(job.total, 1);
          bar.value = job.done;
          if (job.state === "running") {
            status.textContent = "正在核验：" + job.done + "/" + job.total;
            window.setTimeout(tick, 500);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { status.textContent = "无法获取进度，请刷新页面"; });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("job");
    if (panel && panel.getAttribute("data-state") === "running") {
      pollJob(panel);
    }
  });
})();
