// boot.js: instantiates every module (so areas register their collections, server
// handlers and sync steps), then starts the connection. Must stay the last area.
(function () {
  'use strict';
  for (const name of window.require.definedModules()) window.require(name);
  window.require('WASimLogin')
    .start()
    .catch((e) => console.error('wa-sim: start failed', e));
})();
