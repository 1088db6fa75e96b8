/* Rue Commune pages' shared DOM helper: elements whose text is set with textContent, never parsed as HTML,
   so nothing a resident or an agent typed can run in a visitor's browser. Loaded before the page scripts. */
(function () {
  "use strict";
  window.RueCommune = window.RueCommune || {};
  window.RueCommune.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  };
}());
