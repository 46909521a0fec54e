// Before the first paint: the reader's saved theme choice (else the system's), so no flash.
try { var t = localStorage.getItem("glassbook-theme"); if (t === "dark" || t === "light") document.documentElement.dataset.theme = t; } catch (e) { /* storage blocked */ }
