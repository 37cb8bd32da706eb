// Draw the lessons' Mermaid diagrams once the page has loaded (the classic-script build, so file:// works).
// A subgraph's title gets room of its own below it, so it never sits on the first box inside.
document.addEventListener("DOMContentLoaded", function () {
  mermaid.initialize({startOnLoad: false, flowchart: {subGraphTitleMargin: {top: 6, bottom: 14}}});
  mermaid.run({querySelector: ".jp-Mermaid > pre.mermaid"});
});
