// Shows which edge served the page, from the X-Served-By header of a fresh fetch.
fetch(location.href, { method: "HEAD" }).then((r) => {
  const by = r.headers.get("X-Served-By") || "the origin";
  document.body.insertAdjacentHTML("beforeend", `<p><small>served by ${by}</small></p>`);
});
