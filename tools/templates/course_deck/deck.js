// Long slides scroll instead of being cut; Mermaid measures text as it draws, so a diagram is drawn when
// its slide is shown, not while hidden.
function scrollLongSlides() {
  var limit = document.querySelector(".reveal").clientHeight * 0.95;
  document.querySelectorAll(".reveal .slides section.present section, .reveal .slides > section.present")
    .forEach(function (section) {
      if (section.scrollHeight > limit) {
        section.style.height = "95vh"; section.style.overflowY = "auto"; section.style.top = "0";
      }
    });
}
function drawDiagrams() {
  var waiting = Reveal.getCurrentSlide().querySelectorAll(".jp-Mermaid > pre.mermaid:not([data-processed])");
  return window.mermaid && waiting.length ? mermaid.run({nodes: Array.from(waiting)}) : Promise.resolve();
}
function showSlide() { drawDiagrams().then(scrollLongSlides); }
Reveal.on("ready", showSlide);
Reveal.on("slidechanged", showSlide);
