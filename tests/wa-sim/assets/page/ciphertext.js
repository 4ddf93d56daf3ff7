// ciphertext.js: a message that arrives undecryptable is stored as a 'ciphertext'
// placeholder (messages.js adds it like any message); the device then sends the sender a
// retry receipt, and the re-sent message, now decrypted, replaces the placeholder's content
// (Msg change:type).
(function () {
  'use strict';

  __d('WASimCiphertextRetry', (require) => {
    const server = require('WASimServer');
    const retry = (view) => {
      if (view.type !== 'ciphertext') return;
      server.request('retryReceipt', { id: view.id.id }).catch((e) => console.error('wa-sim: retry receipt', e));
    };
    server.on('msg', retry);
    // Placeholders can also come with a (re)connect: in the history or the offline backlog.
    server.onSync(45, (snapshot) => [...snapshot.messages, ...snapshot.offline].forEach(retry));
    return {};
  });
})();
