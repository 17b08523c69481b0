// MathJax 2 for every page, served from the site itself: make book copies it from the
// jupyter-server-mathjax package into assets/mathjax/ (no CDN: the book builds and reads offline).
window.MathJax = {
  // The one combined configuration the package ships (TeX in, HTML-CSS out).
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],
  tex2jax: {
    // $...$ as the notebooks write it; \(...\) as pymdownx.arithmatex writes Markdown pages' math.
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
    // A code cell's hidden copy of its source (for the copy button) is code, not math.
    ignoreClass: "tex2jax_ignore|clipboard-copy-txt",
  },
  // The package ships the STIX web fonts only; never fall back to image fonts it does not have.
  "HTML-CSS": {
    availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
    // MathJax measures font loading against a font that never loads; its own src,
    // url('about:blank'), is an error in the console of today's browsers, local() is not.
    styles: { "@font-face": { "font-family": "MathJax_Blank", src: "local('MathJax_Blank')" } },
  },
  messageStyle: "none",
  AuthorInit: function () {
    // Tells tests/test_book.py that the first typesetting pass has finished.
    MathJax.Hub.Register.StartupHook("End", function () {
      document.body.setAttribute("data-mathjax", "done");
    });
  },
};
