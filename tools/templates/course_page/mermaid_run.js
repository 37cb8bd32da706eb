// Draw the lessons' Mermaid diagrams once the page has loaded (the classic-script build, so file:// works).
document.addEventListener("DOMContentLoaded", function () {
  mermaid.initialize({startOnLoad: false});
  mermaid.run({querySelector: ".jp-Mermaid > pre.mermaid"});
});
