/* Tremplin check-in: reads a QR code from a canvas. The browser's BarcodeDetector where it exists (Android
 * Chrome), else the vendored jsQR (loaded only then), on a frame already scaled down smoothly to ~360 px.
 * (@zxing/library's QR reader was tried first: it missed about 3 % of clean ticket codes, jsQR none of 800.) */
(function (root) {
  "use strict";

  var detector = null;
  var ready = false;
  var loading = null;

  function loadJsQR() {
    if (root.jsQR) return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = "/static/vendor/jsqr.min.js";
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function useJsQR() {
    return loadJsQR().then(function () {
      ready = true;
      return "jsqr";
    });
  }

  function init() {
    if ("BarcodeDetector" in root) {
      return root.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return useJsQR();
        detector = new root.BarcodeDetector({ formats: ["qr_code"] });
        return "native";
      }).catch(useJsQR);
    }
    return useJsQR();
  }

  /* Resolves to the code's text, or null. */
  function decode(canvas, context) {
    if (detector) {
      return detector.detect(canvas).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      }, function () { return null; });
    }
    if (!ready) return Promise.resolve(null);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = root.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(code ? code.data : null);
  }

  root.TremplinDecoder = { init: init, decode: decode, kind: function () { return detector ? "native" : "jsqr"; } };
})(self);
