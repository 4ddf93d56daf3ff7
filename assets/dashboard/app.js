/*
 * wa-gateway dashboard: a dependency-free single page served from
 * ${BASE_PATH}/dashboard/. It only talks to the public REST API (and the
 * optional per-session WebSocket), exactly like any other API client.
 *
 * Stable hooks for browser tests (tests/e2e/dashboard.rs drives them):
 * - API key: #api-key, #save-key; body[data-auth] is unknown|forbidden|ok and
 *   #banner shows while the server answers 403.
 * - Sessions: #new-session-id + #start-session; #sessions[data-status] is
 *   loading|forbidden|error|ok; one li[data-session-id] per session, its
 *   .state text being the state (CONNECTED, ...); row buttons
 *   button[data-action=stop|restart|terminate]; #confirm-ok / #confirm-cancel
 *   answer the terminate confirmation (#confirm-dialog).
 * - Selected session: #session-detail[data-session-id], #selected-state,
 *   #qr-image (a blob: URL of the PNG), #qr-status[data-status],
 *   #pairing-phone + #request-pairing -> #pairing-code, #info-pushname,
 *   #info-wid, #ws-status[data-status], #events li[data-type] (newest first).
 * - Webhook delivery: #webhook-card[data-loaded=true|false|error], #wh-url, #wh-source
 *   (api|env|none), #wh-depth, #wh-oldest, #wh-delivered, #wh-failed, #wh-dead,
 *   #wh-last-error, #dead-letters li[data-event-id], #replay-dead.
 * - window.waGatewayDashboard: refresh(), select(id), pollQr(), loadWebhook(), basePath,
 *   api(path, opts), selected(), stateOf(id) (used by sim.js).
 * - Simulator panel (sim.js, only against the simulator): #sim-card, #sim-phone +
 *   #sim-scan, #sim-contact + #sim-incoming + #sim-send-incoming, #sim-chat li
 *   [data-from-me][data-body], #sim-reply + #sim-send-reply, #sim-inbox li[data-body].
 */
(function () {
  'use strict';

  var KEY_STORAGE = 'wwebjsApiKey';
  var SESSION_ID_RE = /^[\w-]+$/;
  var SESSIONS_INTERVAL_MS = 5000;
  var QR_INTERVAL_MS = 3000;
  var MAX_EVENTS = 200;
  var DEFAULT_TIMEOUT_MS = 20000;
  var LONG_TIMEOUT_MS = 120000; // start/restart/terminate wait for a browser
  var WS_MAX_BACKOFF_MS = 30000;

  // ---------------------------------------------------------------- helpers

  /** `/x/y/dashboard/` or `/x/y/dashboard/index.html` -> `/x/y/` (the BASE_PATH). */
  function deriveBasePath(pathname) {
    var p = pathname || '/';
    if (/\/dashboard$/i.test(p)) p += '/';
    var dir = p.slice(0, p.lastIndexOf('/') + 1);
    var m = /^(.*\/)dashboard\/$/i.exec(dir);
    return m ? m[1] : dir || '/';
  }

  var basePath = deriveBasePath(window.location.pathname);
  var apiBase = window.location.origin + basePath;

  function $(id) { return document.getElementById(id); }
  function enc(s) { return encodeURIComponent(s); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setText(node, text) {
    if (node) node.textContent = text === undefined || text === null ? '' : String(text);
  }

  /** Wrap an event handler so nothing escapes as an uncaught exception. */
  function guard(fn) {
    return function () {
      try {
        var r = fn.apply(this, arguments);
        if (r && typeof r.then === 'function') {
          r.then(null, function (e) { reportError(e); });
        }
        return r;
      } catch (e) {
        reportError(e);
      }
    };
  }

  function reportError(e) {
    var msg = e && e.message ? e.message : String(e);
    try { console.warn('[dashboard]', e); } catch (ignored) { /* no console */ }
    toast(msg, 'error');
  }

  function errorText(data, status) {
    if (data && typeof data === 'object') {
      if (typeof data.error === 'string' && data.error) return data.error;
      if (typeof data.message === 'string' && data.message) return data.message;
    }
    return status ? 'HTTP ' + status : 'unexpected response';
  }

  function truncate(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
  }

  function clock(d) {
    function pad(n) { return n < 10 ? '0' + n : String(n); }
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  // ---------------------------------------------------------------- API key

  var memoryKey = '';

  function getKey() {
    try {
      var v = window.localStorage.getItem(KEY_STORAGE);
      return v === null ? memoryKey : v;
    } catch (e) {
      return memoryKey;
    }
  }

  function setKey(v) {
    memoryKey = v;
    try {
      if (v) window.localStorage.setItem(KEY_STORAGE, v);
      else window.localStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* storage disabled: keep it in memory */ }
  }

  // ---------------------------------------------------------------- banner + toasts

  var forbidden = false;

  function showBanner(kind, text) {
    var b = $('banner');
    b.dataset.kind = kind;
    setText(b, text);
    b.hidden = false;
  }

  function hideBanner(kind) {
    var b = $('banner');
    if (!kind || b.dataset.kind === kind) {
      b.hidden = true;
      b.dataset.kind = '';
      setText(b, '');
    }
  }

  function markForbidden() {
    if (!forbidden) {
      forbidden = true;
      document.body.dataset.auth = 'forbidden';
      showBanner('forbidden', getKey()
        ? 'The API key was rejected (403 Invalid API key). Enter the key configured as API_KEY on the server and press Save.'
        : 'This server requires an API key (403 Invalid API key). Enter the key configured as API_KEY and press Save.');
      var input = $('api-key');
      if (input && document.activeElement !== input) input.classList.add('attention');
    }
  }

  function clearForbidden() {
    if (forbidden) {
      forbidden = false;
      document.body.dataset.auth = 'ok';
      hideBanner('forbidden');
      $('api-key').classList.remove('attention');
    } else if (document.body.dataset.auth !== 'ok') {
      document.body.dataset.auth = 'ok';
    }
  }

  function toast(text, kind) {
    var box = $('toasts');
    if (!box) return;
    var t = el('div', { className: 'toast ' + (kind || 'info'), role: 'status' }, text);
    box.appendChild(t);
    while (box.children.length > 5) box.removeChild(box.firstChild);
    setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, kind === 'error' ? 8000 : 4500);
  }

  // ---------------------------------------------------------------- fetch wrapper

  /**
   * Calls the API. Never throws: resolves to {ok, status, data, res, error}.
   * `data` is the parsed JSON body (or null); with opts.raw the body is left unread.
   */
  function api(path, opts) {
    opts = opts || {};
    var headers = {};
    var key = getKey();
    if (key) headers['x-api-key'] = key;
    var body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, opts.timeout || DEFAULT_TIMEOUT_MS) : null;
    var init = {
      method: opts.method || 'GET',
      headers: headers,
      body: body,
      cache: 'no-store',
      credentials: 'same-origin'
    };
    if (ctrl) init.signal = ctrl.signal;

    return fetch(apiBase + path, init).then(function (res) {
      if (res.status === 403) markForbidden();
      else if (res.status < 500) clearForbidden();
      if (opts.raw) return { ok: res.ok, status: res.status, data: null, res: res };
      return res.text().then(function (txt) {
        var data = null;
        if (txt) {
          try { data = JSON.parse(txt); } catch (e) { data = null; }
        }
        return { ok: res.ok, status: res.status, data: data, res: res };
      });
    }).then(function (r) {
      if (timer) clearTimeout(timer);
      if (r.status === 403) r.error = errorText(r.data, 403);
      return r;
    }, function (e) {
      if (timer) clearTimeout(timer);
      var msg = e && e.name === 'AbortError' ? 'request timed out' : 'network error (is the gateway running?)';
      return { ok: false, status: 0, data: null, res: null, error: msg };
    });
  }

  /** Human text for a failed or {success:false} response. */
  function failureText(r) {
    if (r.error) return r.error;
    return errorText(r.data, r.status);
  }

  // ---------------------------------------------------------------- sessions list

  var sessionStates = {};   // id -> {state, message, text, kind}
  var pendingStarts = {};   // id -> true while /session/start is in flight
  var sessionsLoaded = false; // true after the first successful getSessions
  var refreshing = false;
  var refreshAgain = false;

  function stateOf(data) {
    if (data && typeof data === 'object') {
      if (typeof data.state === 'string' && data.state) return data.state;
      if (typeof data.message === 'string' && data.message) return data.message;
      if (typeof data.error === 'string' && data.error) return data.error;
    }
    return 'unknown';
  }

  function kindOf(text) {
    if (text === 'CONNECTED') return 'ok';
    if (/^(STARTING|OPENING|PAIRING|UNPAIRED|UNPAIRED_IDLE|TIMEOUT|session_not_connected)$/.test(text)) return 'wait';
    return 'bad';
  }

  function refreshSessions() {
    if (refreshing) { refreshAgain = true; return Promise.resolve(); }
    refreshing = true;
    var list = $('sessions');
    return api('session/getSessions').then(function (r) {
      if (!r.ok || !r.data || r.data.success !== true || !Array.isArray(r.data.result)) {
        list.dataset.status = r.status === 403 ? 'forbidden' : 'error';
        setText($('sessions-updated'), 'Could not load sessions: ' + failureText(r));
        $('sessions-updated').dataset.kind = 'error';
        return null;
      }
      var ids = r.data.result.filter(function (x) { return typeof x === 'string'; });
      return Promise.all(ids.map(function (id) {
        return api('session/status/' + enc(id)).then(function (s) {
          var text = s.data ? stateOf(s.data) : failureText(s);
          return { id: id, state: s.data && s.data.state, message: s.data && s.data.message, text: text };
        });
      })).then(function (rows) {
        list.dataset.status = 'ok';
        sessionsLoaded = true;
        renderSessions(rows);
        setText($('sessions-updated'), 'updated ' + clock(new Date()));
        $('sessions-updated').dataset.kind = '';
      });
    }).then(null, reportError).then(function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; refreshSessions(); }
    });
  }

  function makeRow(id) {
    var li = el('li', { className: 'session-row', 'data-session-id': id, tabindex: '0', title: 'Show details of ' + id });
    li.appendChild(el('span', { className: 'dot', 'aria-hidden': 'true' }));
    li.appendChild(el('span', { className: 'session-id' }, id));
    li.appendChild(el('span', { className: 'state' }, ''));
    var actions = el('span', { className: 'actions' });
    actions.appendChild(el('button', { type: 'button', 'data-action': 'stop', className: 'small', title: 'Stop the browser, keep the login' }, 'Stop'));
    actions.appendChild(el('button', { type: 'button', 'data-action': 'restart', className: 'small', title: 'Restart the browser' }, 'Restart'));
    actions.appendChild(el('button', { type: 'button', 'data-action': 'terminate', className: 'small danger', title: 'Log out and delete the session' }, 'Terminate'));
    li.appendChild(actions);
    return li;
  }

  function renderSessions(rows) {
    var list = $('sessions');
    var seen = {};
    var next = {};
    rows.forEach(function (row) { next[row.id] = row; });
    Object.keys(pendingStarts).forEach(function (id) {
      if (!next[id]) next[id] = { id: id, state: null, message: 'starting', text: 'STARTING', synthetic: true };
    });
    var ids = Object.keys(next).sort(function (a, b) { return a.localeCompare(b); });

    var existing = {};
    Array.prototype.forEach.call(list.children, function (li) {
      if (li.dataset && li.dataset.sessionId !== undefined) existing[li.dataset.sessionId] = li;
    });

    ids.forEach(function (id, index) {
      var row = next[id];
      var li = existing[id] || makeRow(id);
      var stateCell = li.querySelector('.state');
      if (stateCell.textContent !== row.text) stateCell.textContent = row.text;
      li.dataset.state = row.text;
      li.dataset.kind = kindOf(row.text);
      var selected = id === selectedId;
      li.classList.toggle('selected', selected);
      if (selected) li.setAttribute('aria-current', 'true'); else li.removeAttribute('aria-current');
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
      seen[id] = true;
      sessionStates[id] = row;
    });

    Object.keys(existing).forEach(function (id) {
      if (!seen[id]) {
        list.removeChild(existing[id]);
        delete sessionStates[id];
      }
    });

    $('sessions-empty').hidden = ids.length > 0;
    updateSelectedState();
  }

  function setRowBusy(id, busy) {
    var li = findRow(id);
    if (!li) return;
    li.classList.toggle('busy', busy);
    Array.prototype.forEach.call(li.querySelectorAll('button[data-action]'), function (b) { b.disabled = busy; });
  }

  function findRow(id) {
    var list = $('sessions');
    for (var i = 0; i < list.children.length; i++) {
      if (list.children[i].dataset.sessionId === id) return list.children[i];
    }
    return null;
  }

  // ---------------------------------------------------------------- session actions

  function startSession(id) {
    var msg = $('start-message');
    if (!SESSION_ID_RE.test(id)) {
      msg.dataset.kind = 'error';
      setText(msg, 'Session ids may only contain letters, digits, "_" and "-".');
      return Promise.resolve();
    }
    if (pendingStarts[id]) return Promise.resolve();
    pendingStarts[id] = true;
    msg.dataset.kind = 'info';
    setText(msg, 'Starting "' + id + '"\u2026 (this launches a browser and can take a while)');
    renderSessions(currentRows());
    selectSession(id);
    return api('session/start/' + enc(id), { timeout: LONG_TIMEOUT_MS }).then(function (r) {
      delete pendingStarts[id];
      if (r.ok && r.data && r.data.success === true) {
        msg.dataset.kind = 'ok';
        setText(msg, (r.data.message || 'Session initiated') + ': ' + id);
        $('new-session-id').value = '';
      } else {
        msg.dataset.kind = 'error';
        setText(msg, 'Could not start "' + id + '": ' + failureText(r));
      }
      return refreshSessions();
    });
  }

  function currentRows() {
    return Object.keys(sessionStates).filter(function (id) { return !sessionStates[id].synthetic; })
      .map(function (id) { return sessionStates[id]; });
  }

  function sessionAction(action, id) {
    var go = action === 'terminate'
      ? confirmDialog('Terminate session "' + id + '"? It is logged out and its stored login is deleted; linking again needs a new QR scan.', 'Terminate')
      : Promise.resolve(true);
    return go.then(function (yes) {
      if (!yes) return null;
      setRowBusy(id, true);
      return api('session/' + action + '/' + enc(id), { timeout: LONG_TIMEOUT_MS }).then(function (r) {
        setRowBusy(id, false);
        if (r.ok && r.data && r.data.success === true) {
          toast(id + ': ' + (r.data.message || action + ' done'), 'ok');
        } else {
          toast(id + ': ' + action + ' failed: ' + failureText(r), 'error');
        }
        if (action === 'terminate' && id === selectedId && r.ok && r.data && r.data.success === true) {
          selectSession(null);
        }
        return refreshSessions();
      });
    });
  }

  // ---------------------------------------------------------------- confirm dialog

  var confirmResolve = null;

  function confirmDialog(text, okLabel) {
    if (confirmResolve) closeConfirm(false);
    var dlg = $('confirm-dialog');
    setText($('confirm-text'), text);
    setText($('confirm-ok'), okLabel || 'OK');
    dlg.hidden = false;
    $('confirm-cancel').focus();
    return new Promise(function (resolve) { confirmResolve = resolve; });
  }

  function closeConfirm(result) {
    $('confirm-dialog').hidden = true;
    var r = confirmResolve;
    confirmResolve = null;
    if (r) r(result);
  }

  // ---------------------------------------------------------------- selection / detail pane

  var selectedId = null;
  var lastSelectedState = null;

  function selectSession(id) {
    if (id !== null && !SESSION_ID_RE.test(id)) id = null;
    if (id === selectedId) return;
    selectedId = id;
    lastSelectedState = null;

    var detail = $('session-detail');
    detail.dataset.sessionId = id || '';
    $('detail-body').hidden = !id;
    $('no-selection').hidden = !!id;
    setText($('selected-session'), id || '');

    Array.prototype.forEach.call($('sessions').children, function (li) {
      var on = li.dataset.sessionId === id;
      li.classList.toggle('selected', on);
      if (on) li.setAttribute('aria-current', 'true'); else li.removeAttribute('aria-current');
    });

    var wantHash = id ? '#session=' + enc(id) : '';
    if (window.location.hash !== wantHash) {
      try {
        window.history.replaceState(null, '', window.location.pathname + window.location.search + wantHash);
      } catch (e) { /* ignore */ }
    }

    resetQr();
    setText($('pairing-code'), '');
    $('pairing-code').dataset.code = '';
    setPairingMessage('', '');
    resetClientInfo('Available once the session is CONNECTED.');
    resetWebhook();
    clearEvents();
    updateSelectedState();
    if (id) {
      connectWs(id);
      pollQr();
      loadWebhook();
    } else {
      disconnectWs();
    }
  }

  function updateSelectedState() {
    if (!selectedId) return;
    var info = sessionStates[selectedId];
    var text = info ? info.text : (pendingStarts[selectedId] ? 'STARTING' : (sessionsLoaded ? 'session_not_found' : '\u2013'));
    var node = $('selected-state');
    setText(node, text);
    node.dataset.kind = kindOf(text);
    if (text !== lastSelectedState) {
      var was = lastSelectedState;
      lastSelectedState = text;
      $('link-card').dataset.connected = text === 'CONNECTED' ? 'true' : 'false';
      if (text === 'CONNECTED') {
        showQrMessage('Connected \u2014 no QR code needed.', 'connected');
        loadClientInfo(selectedId);
      } else {
        if (was === 'CONNECTED') resetClientInfo('Available once the session is CONNECTED.');
        if (was !== null) pollQr();
      }
    }
  }

  // ---------------------------------------------------------------- QR code

  var qrUrl = null;
  var qrBytes = null;
  var qrBusy = null; // id of the session whose QR request is in flight

  function resetQr() {
    var img = $('qr-image');
    img.hidden = true;
    img.removeAttribute('src');
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = null;
    qrBytes = null;
    var st = $('qr-status');
    st.hidden = false;
    st.dataset.status = 'waiting';
    setText(st, 'Waiting for a QR code\u2026');
  }

  function showQrMessage(text, status) {
    var img = $('qr-image');
    img.hidden = true;
    img.removeAttribute('src');
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = null;
    qrBytes = null;
    var st = $('qr-status');
    st.hidden = false;
    st.dataset.status = status || 'message';
    setText(st, text);
  }

  function sameBytes(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function showQrBlob(buf, type) {
    var bytes = new Uint8Array(buf);
    var img = $('qr-image');
    if (!img.hidden && sameBytes(bytes, qrBytes)) return; // unchanged QR: keep the current image
    var url = URL.createObjectURL(new Blob([bytes], { type: type || 'image/png' }));
    var old = qrUrl;
    qrUrl = url;
    qrBytes = bytes;
    img.src = url;
    img.hidden = false;
    if (old) URL.revokeObjectURL(old);
    var st = $('qr-status');
    st.dataset.status = 'image';
    setText(st, 'Scan with WhatsApp \u203a Linked devices \u203a Link a device');
  }

  function pollQr() {
    var id = selectedId;
    if (!id || qrBusy === id || document.hidden) return Promise.resolve();
    if (lastSelectedState === 'CONNECTED') return Promise.resolve();
    qrBusy = id;
    return api('session/qr/' + enc(id) + '/image', { raw: true }).then(function (r) {
      if (id !== selectedId || lastSelectedState === 'CONNECTED') return null;
      if (!r.res) { showQrMessage('QR unavailable: ' + failureText(r), 'error'); return null; }
      var ct = (r.res.headers.get('content-type') || '').toLowerCase();
      if (r.ok && ct.indexOf('image/') === 0) {
        return r.res.arrayBuffer().then(function (buf) {
          if (id === selectedId && lastSelectedState !== 'CONNECTED') showQrBlob(buf, ct.split(';')[0]);
        });
      }
      return r.res.text().then(function (txt) {
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = null; }
        if (id !== selectedId || lastSelectedState === 'CONNECTED') return;
        if (r.status === 403) showQrMessage(errorText(data, 403), 'error');
        else showQrMessage(errorText(data, r.status), data && data.success === false && r.ok ? 'not-ready' : 'error');
      });
    }).then(null, function (e) {
      if (id === selectedId) showQrMessage('QR unavailable: ' + (e && e.message ? e.message : e), 'error');
    }).then(function () { if (qrBusy === id) qrBusy = null; });
  }

  // ---------------------------------------------------------------- pairing code

  function setPairingMessage(text, kind) {
    var m = $('pairing-message');
    m.dataset.kind = kind || '';
    setText(m, text);
  }

  function requestPairing() {
    var id = selectedId;
    if (!id) return Promise.resolve();
    var phone = ($('pairing-phone').value || '').replace(/[\s()+.\-]/g, '');
    if (!/^\d{6,20}$/.test(phone)) {
      setPairingMessage('Enter the phone number in international format, digits only (e.g. 12025550108).', 'error');
      return Promise.resolve();
    }
    var btn = $('request-pairing');
    btn.disabled = true;
    setText($('pairing-code'), '');
    $('pairing-code').dataset.code = '';
    setPairingMessage('Requesting a pairing code\u2026', 'info');
    return api('session/requestPairingCode/' + enc(id), {
      method: 'POST',
      body: { phoneNumber: phone, showNotification: true },
      timeout: 60000
    }).then(function (r) {
      btn.disabled = false;
      if (id !== selectedId) return;
      if (r.ok && r.data && r.data.success === true && r.data.result !== undefined && r.data.result !== null) {
        var code = String(r.data.result);
        setText($('pairing-code'), code);
        $('pairing-code').dataset.code = code;
        setPairingMessage('Enter this code on the phone: WhatsApp \u203a Linked devices \u203a Link with phone number.', 'ok');
      } else {
        setPairingMessage('Could not get a pairing code: ' + failureText(r), 'error');
      }
    });
  }

  // ---------------------------------------------------------------- client info

  var clientInfoSeq = 0;

  function resetClientInfo(text) {
    clientInfoSeq++;
    $('client-info').dataset.loaded = 'false';
    $('client-info-fields').hidden = true;
    var m = $('client-info-message');
    m.hidden = false;
    setText(m, text);
    setText($('info-pushname'), '');
    setText($('info-wid'), '');
    setText($('info-platform'), '');
  }

  function widText(wid) {
    if (!wid) return '';
    if (typeof wid === 'string') return wid;
    if (typeof wid._serialized === 'string') return wid._serialized;
    if (wid.user && wid.server) return wid.user + '@' + wid.server;
    return '';
  }

  function loadClientInfo(id) {
    var seq = ++clientInfoSeq;
    setText($('client-info-message'), 'Loading\u2026');
    return api('client/getClassInfo/' + enc(id)).then(function (r) {
      if (seq !== clientInfoSeq || id !== selectedId) return;
      if (r.ok && r.data && r.data.success === true && r.data.sessionInfo) {
        var info = r.data.sessionInfo;
        setText($('info-pushname'), info.pushname || '\u2013');
        setText($('info-wid'), widText(info.wid) || '\u2013');
        setText($('info-platform'), info.platform || '\u2013');
        $('client-info-fields').hidden = false;
        $('client-info-message').hidden = true;
        $('client-info').dataset.loaded = 'true';
      } else {
        setText($('client-info-message'), 'Could not load account info: ' + failureText(r));
      }
    });
  }

  // ---------------------------------------------------------------- webhook delivery

  var webhookSeq = 0;

  function ageText(ms) {
    if (typeof ms !== 'number') return '\u2013';
    var s = Math.round(ms / 1000);
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    return Math.round(s / 3600) + ' h';
  }

  function resetWebhook() {
    webhookSeq++;
    $('webhook-card').dataset.loaded = 'false';
    $('webhook-fields').hidden = true;
    $('webhook-message').hidden = false;
    setText($('webhook-message'), 'Loading\u2026');
    $('dead-letters').textContent = '';
    $('replay-dead').disabled = true;
  }

  /** Status, settings and dead letters of the selected session's webhook. */
  function loadWebhook() {
    var id = selectedId;
    if (!id) return Promise.resolve();
    var seq = ++webhookSeq;
    return Promise.all([
      api('session/webhook/' + enc(id)),
      api('session/webhookStatus/' + enc(id)),
      api('session/deadLetters/' + enc(id) + '?limit=20')
    ]).then(function (rs) {
      if (seq !== webhookSeq || id !== selectedId) return;
      var failed = rs.filter(function (r) { return !(r.ok && r.data && r.data.success); })[0];
      if (failed) {
        $('webhook-card').dataset.loaded = 'error';
        $('webhook-message').hidden = false;
        setText($('webhook-message'), 'Could not load the webhook status: ' + failureText(failed));
        return;
      }
      var hook = rs[0].data, st = rs[1].data.status || {}, letters = rs[2].data.deadLetters || [];
      setText($('wh-url'), hook.webhook ? hook.webhook.url : 'no webhook');
      setText($('wh-source'), hook.source);
      $('wh-source').dataset.status = hook.source;
      setText($('wh-depth'), st.queueDepth || 0);
      setText($('wh-oldest'), ageText(st.oldestPendingAgeMs));
      setText($('wh-delivered'), st.delivered || 0);
      setText($('wh-failed'), st.failedAttempts || 0);
      setText($('wh-dead'), st.deadLetters || 0);
      var last = st.lastError;
      setText($('wh-last-error'), last ? clock(new Date(last.at)) + ' ' + last.eventId + ': ' + truncate(last.error, 160) : '\u2013');
      var list = $('dead-letters');
      list.textContent = '';
      letters.forEach(function (l) {
        var li = el('li', { 'data-event-id': l.eventId });
        li.appendChild(el('span', { className: 'event-type' }, l.dataType));
        li.appendChild(el('span', { className: 'muted small' }, ' ' + l.eventId + ' \u2013 ' + truncate(l.lastError || '', 120)));
        list.appendChild(li);
      });
      $('replay-dead').disabled = !st.deadLetters;
      $('webhook-fields').hidden = false;
      $('webhook-message').hidden = true;
      $('webhook-card').dataset.loaded = 'true';
    });
  }

  function replayDeadLetters() {
    var id = selectedId;
    if (!id) return Promise.resolve();
    $('replay-dead').disabled = true;
    return api('session/replayDeadLetters/' + enc(id), { method: 'POST', body: {} }).then(function (r) {
      if (r.ok && r.data && r.data.success) toast('Replaying ' + r.data.replayed + ' dead letter(s)', 'ok');
      else toast('Replay failed: ' + failureText(r), 'error');
      return loadWebhook();
    });
  }

  // ---------------------------------------------------------------- WebSocket events

  var ws = null;
  var wsSession = null;
  var wsTimer = null;
  var wsAttempt = 0;

  function wsUrl(id) {
    var proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = proto + '//' + window.location.host + basePath + 'ws/' + enc(id);
    var key = getKey();
    if (key) url += '?apiKey=' + enc(key);
    return url;
  }

  function setWsStatus(status, text, title) {
    var s = $('ws-status');
    s.dataset.status = status;
    setText(s, text);
    s.title = title || '';
  }

  function connectWs(id) {
    disconnectWs();
    wsSession = id;
    wsAttempt = 0;
    openWs();
  }

  function disconnectWs() {
    if (wsTimer) clearTimeout(wsTimer);
    wsTimer = null;
    wsSession = null;
    if (ws) {
      var s = ws;
      ws = null;
      try { s.close(1000, 'bye'); } catch (e) { /* ignore */ }
    }
    setWsStatus('idle', 'idle');
  }

  function openWs() {
    wsTimer = null;
    var id = wsSession;
    if (!id) return;
    var sock;
    try {
      sock = new WebSocket(wsUrl(id));
    } catch (e) {
      scheduleWsReconnect();
      return;
    }
    ws = sock;
    var opened = false;
    setWsStatus('connecting', 'connecting\u2026');
    sock.onopen = function () {
      if (ws !== sock) return;
      opened = true;
      wsAttempt = 0;
      setWsStatus('open', 'live');
    };
    sock.onmessage = function (ev) {
      if (ws !== sock) return;
      try { handleFrame(ev.data); } catch (e) { reportError(e); }
    };
    sock.onerror = function () { /* a close event follows */ };
    sock.onclose = function () {
      if (ws !== sock) return;
      ws = null;
      if (opened) wsAttempt = 0;
      scheduleWsReconnect();
    };
  }

  function scheduleWsReconnect() {
    if (!wsSession) return;
    var delay = Math.min(WS_MAX_BACKOFF_MS, 1000 * Math.pow(2, wsAttempt));
    delay = Math.round(delay * (0.8 + Math.random() * 0.4));
    wsAttempt = Math.min(wsAttempt + 1, 10);
    setWsStatus('off', 'live events off',
      'The WebSocket is unavailable (the server enables it with ENABLE_WEBSOCKET=true). Retrying in ' +
      Math.round(delay / 1000) + ' s.');
    wsTimer = setTimeout(openWs, delay);
  }

  function summarize(type, data) {
    if (data === undefined || data === null) return '';
    try {
      if (type === 'qr') return 'new QR code';
      if (type === 'code' && data.code) return 'pairing code ' + data.code;
      var m = data.message;
      if (m && typeof m === 'object' && (type === 'message' || type === 'message_create')) {
        var who = m.fromMe ? 'me \u2192 ' + (m.to || '') : (m.author || m.from || '');
        var what = m.body ? m.body : '[' + (m.type || 'message') + ']';
        return who + ': ' + what;
      }
      if (type === 'message_ack' && m && typeof m === 'object') {
        return 'ack ' + data.ack + ' for ' + (m.id && m.id._serialized ? m.id._serialized : '');
      }
      if (type === 'change_state' && data.state) return String(data.state);
      if (type === 'disconnected' && data.reason) return String(data.reason);
      if (type === 'loading_screen') return (data.percent !== undefined ? data.percent + '% ' : '') + (data.message || '');
      if (type === 'media' && data.messageMedia) {
        return (data.messageMedia.mimetype || 'media') + (data.messageMedia.filename ? ' ' + data.messageMedia.filename : '');
      }
      return truncate(JSON.stringify(data), 240);
    } catch (e) {
      return '';
    }
  }

  function handleFrame(raw) {
    var frame;
    try { frame = JSON.parse(raw); } catch (e) { frame = { dataType: 'raw', data: String(raw) }; }
    if (!frame || typeof frame !== 'object') frame = { dataType: 'raw', data: frame };
    if (frame.sessionId && wsSession && frame.sessionId !== wsSession) return;
    var type = typeof frame.dataType === 'string' ? frame.dataType : 'unknown';
    addEvent(type, frame.data);

    if (type === 'qr') {
      pollQr();
    } else if (/^(ready|authenticated|disconnected|change_state|status|auth_failure)$/.test(type)) {
      refreshSessions();
    }
  }

  function addEvent(type, data) {
    var log = $('events');
    var li = el('li', { className: 'event', 'data-type': type });
    var now = new Date();
    var hasData = data !== undefined && data !== null && type !== 'qr';
    var line = hasData ? el('details') : el('div', { className: 'event-line' });
    var head = hasData ? el('summary') : line;
    head.appendChild(el('time', { datetime: now.toISOString() }, clock(now)));
    head.appendChild(el('span', { className: 'event-type' }, type));
    head.appendChild(el('span', { className: 'event-summary' }, summarize(type, data)));
    if (hasData) {
      line.appendChild(head);
      var json;
      try { json = JSON.stringify(data, null, 2); } catch (e) { json = String(data); }
      line.appendChild(el('pre', null, truncate(json, 6000)));
    }
    li.appendChild(line);
    log.insertBefore(li, log.firstChild);
    while (log.children.length > MAX_EVENTS) log.removeChild(log.lastChild);
  }

  function clearEvents() {
    var log = $('events');
    while (log.firstChild) log.removeChild(log.firstChild);
  }

  // ---------------------------------------------------------------- API docs link

  function probeApiDocs() {
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var t = ctrl ? setTimeout(function () { ctrl.abort(); }, 8000) : null;
    var init = { method: 'HEAD', cache: 'no-store', credentials: 'same-origin', redirect: 'follow' };
    if (ctrl) init.signal = ctrl.signal;
    return fetch(apiBase + 'api-docs/', init).then(function (res) {
      if (t) clearTimeout(t);
      $('api-docs-link').hidden = res.status !== 200;
    }, function () {
      if (t) clearTimeout(t);
      $('api-docs-link').hidden = true;
    });
  }

  // ---------------------------------------------------------------- wiring

  function selectionFromHash() {
    var m = /^#(?:session=)?([\w%-]+)$/.exec(window.location.hash || '');
    if (!m) return null;
    var id;
    try { id = decodeURIComponent(m[1]); } catch (e) { return null; }
    return SESSION_ID_RE.test(id) ? id : null;
  }

  function init() {
    document.body.dataset.auth = 'unknown';
    $('api-key').value = getKey();

    $('key-form').addEventListener('submit', guard(function (ev) {
      ev.preventDefault();
      var v = $('api-key').value.trim();
      setKey(v);
      forbidden = false;
      hideBanner('forbidden');
      $('api-key').classList.remove('attention');
      toast(v ? 'API key saved' : 'API key cleared', 'ok');
      if (selectedId) connectWs(selectedId);
      pollQr();
      return refreshSessions();
    }));

    $('toggle-key').addEventListener('click', guard(function () {
      var input = $('api-key');
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      setText(this, show ? 'Hide' : 'Show');
      this.setAttribute('aria-pressed', show ? 'true' : 'false');
    }));

    $('api-key').addEventListener('input', function () { this.classList.remove('attention'); });

    $('start-form').addEventListener('submit', guard(function (ev) {
      ev.preventDefault();
      return startSession(($('new-session-id').value || '').trim());
    }));

    var list = $('sessions');
    list.addEventListener('click', guard(function (ev) {
      var target = ev.target;
      var btn = target && target.closest ? target.closest('button[data-action]') : null;
      var row = target && target.closest ? target.closest('[data-session-id]') : null;
      if (!row) return;
      var id = row.dataset.sessionId;
      if (btn) {
        ev.stopPropagation();
        return sessionAction(btn.dataset.action, id);
      }
      selectSession(id);
    }));
    list.addEventListener('keydown', guard(function (ev) {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      var t = ev.target;
      if (t && t.dataset && t.dataset.sessionId !== undefined && t.tagName === 'LI') {
        ev.preventDefault();
        selectSession(t.dataset.sessionId);
      }
    }));

    $('close-detail').addEventListener('click', guard(function () { selectSession(null); }));

    $('pairing-form').addEventListener('submit', guard(function (ev) {
      ev.preventDefault();
      return requestPairing();
    }));

    $('clear-events').addEventListener('click', guard(clearEvents));
    $('replay-dead').addEventListener('click', guard(replayDeadLetters));

    $('confirm-ok').addEventListener('click', function () { closeConfirm(true); });
    $('confirm-cancel').addEventListener('click', function () { closeConfirm(false); });
    $('confirm-dialog').addEventListener('click', function (ev) {
      if (ev.target === this) closeConfirm(false);
    });
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && confirmResolve) closeConfirm(false);
    });

    window.addEventListener('hashchange', guard(function () {
      var id = selectionFromHash();
      if (id !== selectedId) selectSession(id);
    }));

    document.addEventListener('visibilitychange', guard(function () {
      if (!document.hidden) {
        refreshSessions();
        pollQr();
      }
    }));

    window.addEventListener('pagehide', function () {
      if (qrUrl) URL.revokeObjectURL(qrUrl);
      if (ws) { try { ws.close(1000, 'bye'); } catch (e) { /* ignore */ } }
    });

    setInterval(guard(function () {
      if (document.hidden) return;
      refreshSessions();
      loadWebhook();
    }), SESSIONS_INTERVAL_MS);
    setInterval(guard(function () { pollQr(); }), QR_INTERVAL_MS);

    var initial = selectionFromHash();
    if (initial) selectSession(initial);
    refreshSessions();
    probeApiDocs();

    // A small handle for scripted checks and browser tests.
    window.waGatewayDashboard = {
      apiBase: apiBase,
      basePath: basePath,
      refresh: function () { return refreshSessions(); },
      select: function (id) { selectSession(id); },
      pollQr: function () { return pollQr(); },
      loadWebhook: function () { return loadWebhook(); },
      deriveBasePath: deriveBasePath,
      api: api,
      selected: function () { return selectedId; },
      stateOf: function (id) { var s = sessionStates[id]; return s ? s.text : null; }
    };
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', guard(init));
  else guard(init)();
})();
