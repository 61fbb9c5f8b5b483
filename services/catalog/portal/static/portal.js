// Progressive enhancement for the portal; every page also works without this file.
"use strict";

// Upload: show the bytes sent on a progress bar, then follow the server's redirect to the job page.
function enhanceUpload(form) {
  const bar = document.getElementById("upload-progress");
  form.addEventListener("submit", (event) => {
    if (!window.FormData || !bar) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", () => form.submit());
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  });
}

// Import job: poll its progress and reload the page (which renders the result) when it has finished.
function pollJob(section) {
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  const tick = async () => {
    try {
      const r = await fetch(`/api/v1/jobs/${section.dataset.job}`, { headers: { Accept: "application/json" } });
      if (r.ok) {
        const job = await r.json();
        if (bar) bar.value = job.percent;
        if (count) count.textContent = job.processed;
        if (job.status === "succeeded" || job.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (_) {
      // A failed poll is retried on the next tick.
    }
    window.setTimeout(tick, 400);
  };
  tick();
}

// Forms: while typing, say how many more characters a too-short field needs (the server still checks
// everything on submit). Hints appear as you type, never on blur, so the layout does not jump under a click.
function hintMinLength(field) {
  const min = Number(field.dataset.min);
  const label = field.closest("label");
  field.addEventListener("input", () => {
    let hint = label.querySelector(".field-error");
    const length = field.value.trim().length;
    const short = length > 0 && length < min;
    if (short && !hint) {
      hint = document.createElement("span");
      hint.className = "field-error";
      hint.setAttribute("aria-live", "polite");
      label.appendChild(hint);
    }
    if (hint) hint.textContent = short ? field.dataset.msg.replace("{n}", String(min - length)) : "";
    field.setAttribute("aria-invalid", short ? "true" : "false");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-min]").forEach(hintMinLength);
  const form = document.getElementById("upload-form");
  if (form) enhanceUpload(form);
  const job = document.getElementById("job");
  if (job && job.dataset.finished === "false") pollJob(job);
});
