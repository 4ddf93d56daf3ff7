/*
 * The dashboard's simulator panel: shown only when the gateway runs against the WhatsApp Web
 * simulator (GET simulator). It scans the selected session's QR with a simulated phone, has a
 * simulated contact write to it, shows the chat (POST chat/fetchMessages) and answers with
 * POST client/sendMessage, like any API client; the contact's side comes from
 * GET simulator/accounts/<phone>/inbox. Hooks are listed at the top of app.js.
 */
(function () {
  'use strict';

  var POLL_MS = 2000;
  var dash = window.waGatewayDashboard;
  if (!dash) return;

  function $(id) { return document.getElementById(id); }
  function digits(s) { return String(s || '').replace(/\D/g, ''); }
  function say(text, kind) {
    var node = $('sim-message');
    node.textContent = text;
    node.dataset.kind = kind || '';
  }
  function failure(r) {
    return (r.data && (r.data.error || r.data.message)) || r.error || ('HTTP ' + r.status);
  }

  /** The linked phone of the selected session: its WhatsApp id once known, else the scan field. */
  function sessionPhone() {
    var wid = ($('info-wid').textContent || '').split('@')[0];
    return digits(wid) || digits($('sim-phone').value);
  }
  function contactId() { return digits($('sim-contact').value) + '@c.us'; }

  function detect() {
    dash.api('simulator').then(function (r) {
      if (r.ok && r.data && r.data.simulator === true) {
        $('sim-card').hidden = false;
        document.body.dataset.simulator = 'true';
        setInterval(poll, POLL_MS);
      } else if (r.status === 403 || r.status === 0) {
        setTimeout(detect, 3000); // no key yet, or the gateway is restarting
      } else {
        document.body.dataset.simulator = 'false';
      }
    });
  }

  function scan(ev) {
    ev.preventDefault();
    var id = dash.selected();
    if (!id) return say('Select or start a session first.', 'error');
    say('Scanning\u2026');
    dash.api('simulator/scan/' + encodeURIComponent(id), {
      method: 'POST', body: { phone: digits($('sim-phone').value), pushname: 'Demo Phone' }
    }).then(function (r) {
      if (r.ok) say('Scanned: the session links in a moment.', 'ok');
      else say('Scan failed: ' + failure(r), 'error');
      dash.refresh();
    });
  }

  function incoming(ev) {
    ev.preventDefault();
    if (!dash.selected()) return say('Select or start a session first.', 'error');
    dash.api('simulator/messages', {
      method: 'POST',
      body: { from: digits($('sim-contact').value), to: sessionPhone(), body: $('sim-incoming').value }
    }).then(function (r) {
      say(r.ok ? 'The contact wrote to the session.' : 'Not sent: ' + failure(r), r.ok ? 'ok' : 'error');
      poll();
    });
  }

  function reply(ev) {
    ev.preventDefault();
    var id = dash.selected();
    var text = $('sim-reply').value;
    if (!id || !text) return;
    dash.api('client/sendMessage/' + encodeURIComponent(id), {
      method: 'POST', body: { chatId: contactId(), contentType: 'string', content: text }
    }).then(function (r) {
      if (r.ok && r.data && r.data.success) {
        $('sim-reply').value = '';
        say('Answer sent.', 'ok');
      } else {
        say('Answer not sent: ' + failure(r), 'error');
      }
      poll();
    });
  }

  function render(list, items) {
    var node = $(list);
    var key = JSON.stringify(items);
    if (node.dataset.key === key) return;
    node.dataset.key = key;
    node.textContent = '';
    items.forEach(function (m) {
      var li = document.createElement('li');
      li.dataset.body = m.body;
      li.dataset.fromMe = m.fromMe ? 'true' : 'false';
      li.className = m.fromMe ? 'from-me' : 'from-contact';
      li.textContent = (m.label || (m.fromMe ? 'you' : 'contact')) + ': ' + m.body;
      node.appendChild(li);
    });
  }

  var polling = false;
  function poll() {
    var id = dash.selected();
    if (polling || !id || dash.stateOf(id) !== 'CONNECTED') return;
    polling = true;
    var chat = dash.api('chat/fetchMessages/' + encodeURIComponent(id), {
      method: 'POST', body: { chatId: contactId(), searchOptions: { limit: 20 } }
    }).then(function (r) {
      var messages = r.ok && r.data && Array.isArray(r.data.messages) ? r.data.messages : [];
      render('sim-chat', messages.map(function (m) { return { body: m.body || '', fromMe: !!m.fromMe }; }));
    });
    var inbox = dash.api('simulator/accounts/' + digits($('sim-contact').value) + '/inbox').then(function (r) {
      var got = r.ok && r.data && Array.isArray(r.data.result) ? r.data.result : [];
      render('sim-inbox', got.map(function (m) { return { body: m.body || m.caption || '(' + m.type + ')', fromMe: false, label: 'received' }; }));
    });
    Promise.all([chat, inbox]).then(function () { polling = false; }, function () { polling = false; });
  }

  $('sim-scan-form').addEventListener('submit', scan);
  $('sim-incoming-form').addEventListener('submit', incoming);
  $('sim-reply-form').addEventListener('submit', reply);
  detect();
})();
