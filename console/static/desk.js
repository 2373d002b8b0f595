// 借还台: the scan box keeps the focus and loses no keystroke; a refusal also beeps (WebAudio, no file).
(function () {
  "use strict";
  var audio = null;
  var typedMeanwhile = "";

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    try {
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain(), now = audio.currentTime;
      osc.type = "square";
      osc.frequency.setValueAtTime(330, now);  // low and short: clearly not a scanner's "ok" chirp
      gain.gain.setValueAtTime(0.2, now);
      gain.gain.exponentialRampToValueAtTime(0.001, now + 0.35);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(now);
      osc.stop(now + 0.35);
      document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    } catch (e) { /* no sound device: the colour still says it */ }
  }

  function box() { return document.getElementById("scan"); }

  // The code is in the request: empty the box at once, so what the scanner types next is kept apart.
  document.addEventListener("htmx:configRequest", function (e) {
    var b = box();
    if (b && e.detail.elt && e.detail.elt.contains(b)) { b.value = ""; }
  });
  // The copy's existing damage (缺页…) is typed first: Enter there goes back to the scan box, so the
  // barcode scanned next lends the copy with the note instead of landing in the note.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target && e.target.id === "condition") {
      e.preventDefault();
      var b = box();
      if (b) { b.focus(); }
    }
  });
  // The answer replaces the box: carry over whatever was typed while it was on its way.
  document.addEventListener("htmx:beforeSwap", function (e) {
    // A form the desk could not read answers 400 with the desk and its message: show it like any answer.
    if (e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
    var b = box();
    typedMeanwhile = b ? b.value : "";
  });
  document.addEventListener("htmx:afterSwap", function () {
    var b = box();
    if (b) { b.value = typedMeanwhile; b.focus(); }
    typedMeanwhile = "";
  });
  // htmx settles attributes (the answer's class) just after the swap: look for a refusal then.
  // The new form is live (htmx processes swapped content when it settles): count the answer for tests.
  document.addEventListener("htmx:afterSettle", function () {
    if (document.querySelector("#answer.refused")) { beep(); }
    document.body.dataset.answers = String(Number(document.body.dataset.answers || 0) + 1);
  });
  // A plain form post (no htmx) reloads the page: the box has autofocus; a refusal still beeps.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("#answer.refused")) { beep(); }
  });
})();
