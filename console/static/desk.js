// 借还台: after every answer, clear and refocus the scan box; a refusal also beeps (WebAudio, no file).
(function () {
  "use strict";
  var audio = null;
  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    try {
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain(), now = audio.currentTime;
      osc.type = "square";
      osc.frequency.setValueAtTime(330, now);  // low and short: clearly not the "ok" of a scanner
      gain.gain.setValueAtTime(0.2, now);
      gain.gain.exponentialRampToValueAtTime(0.001, now + 0.35);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(now);
      osc.stop(now + 0.35);
      document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    } catch (e) { /* no sound device: the colour still says it */ }
  }
  function answered() {
    var box = document.getElementById("scan");
    if (box) { box.value = ""; box.focus(); }
    if (document.querySelector("#answer.refused")) { beep(); }
  }
  document.addEventListener("DOMContentLoaded", answered);
  document.addEventListener("htmx:afterSettle", answered);
})();
