// core.js: the module registry (window.__d / window.require, as WhatsApp Web's own
// loader), Backbone-style Events/Model/Collection, Wid, MsgKey, base64, and WASimServer,
// the socket to the simulated WhatsApp servers.
//
// Areas (socket.js, messages.js, ...) define modules with
//   __d('WAWebSomething', (require) => ({ ...exports }));
// Factories run once, on first require; boot.js requires every module at start-up so
// that areas can register their collections, server event handlers and sync steps.
(function () {
  'use strict';

  const factories = new Map();
  const exportsByName = new Map();

  window.__d = function define(name, factory) {
    factories.set(name, factory);
  };

  // Never throws for unknown names: whatsapp-web.js probes optional modules.
  window.require = function require(name) {
    if (exportsByName.has(name)) return exportsByName.get(name);
    const factory = factories.get(name);
    if (!factory) return undefined;
    const exported = factory(window.require);
    exportsByName.set(name, exported);
    return exported;
  };

  // For boot.js: the names of every defined module.
  Object.defineProperty(window.require, 'definedModules', {
    value: () => [...factories.keys()],
    enumerable: false,
  });

  window.Debug = { VERSION: '2.3000.1017054665' };

  // ---- Events: on/off/once/trigger with space-separated names (Backbone semantics).
  class Events {
    _listeners() {
      if (!this.__events) {
        Object.defineProperty(this, '__events', { value: new Map(), enumerable: false });
      }
      return this.__events;
    }

    on(names, callback, context) {
      if (typeof callback !== 'function') return this;
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        const list = this._listeners().get(name) || [];
        list.push({ callback, context });
        this._listeners().set(name, list);
      }
      return this;
    }

    once(names, callback, context) {
      for (const name of String(names).split(/\s+/).filter(Boolean)) {
        const wrapper = (...args) => {
          this.off(name, wrapper);
          callback.apply(context || this, args);
        };
        wrapper._original = callback;
        this.on(name, wrapper, context);
      }
      return this;
    }

    off(names, callback) {
      const listeners = this._listeners();
      const list = names ? String(names).split(/\s+/).filter(Boolean) : [...listeners.keys()];
      for (const name of list) {
        if (!callback) {
          listeners.delete(name);
          continue;
        }
        const kept = (listeners.get(name) || []).filter(
          (l) => l.callback !== callback && l.callback._original !== callback,
        );
        if (kept.length) listeners.set(name, kept);
        else listeners.delete(name);
      }
      return this;
    }

    listenerCount(name) {
      return (this._listeners().get(name) || []).length;
    }

    // One failing listener must not starve the others; its error still surfaces.
    trigger(name, ...args) {
      const listeners = this._listeners();
      for (const l of [...(listeners.get(name) || [])]) {
        try {
          l.callback.apply(l.context || this, args);
        } catch (e) {
          setTimeout(() => { throw e; });
        }
      }
      for (const l of [...(listeners.get('all') || [])]) {
        try {
          l.callback.apply(l.context || this, [name, ...args]);
        } catch (e) {
          setTimeout(() => { throw e; });
        }
      }
      return this;
    }

    listenTo(other, names, callback) {
      other.on(names, callback, this);
      return this;
    }

    stopListening(other, names, callback) {
      if (other) other.off(names, callback);
      return this;
    }
  }

  function sameValue(a, b) {
    if (Object.is(a, b)) return true;
    return a != null && b != null && a._serialized !== undefined && a._serialized === b._serialized;
  }

  // ---- Model: attributes exposed as properties; set() fires change:<attr>
  // (model, value, previous) then change (model). Collections re-emit model events.
  class Model extends Events {
    constructor(attrs, options) {
      super();
      Object.defineProperty(this, 'attributes', { value: {}, enumerable: false, writable: true });
      Object.defineProperty(this, 'collections', { value: new Set(), enumerable: false });
      const defaults = typeof this.constructor.defaults === 'function' ? this.constructor.defaults() : {};
      this.set({ ...defaults, ...(attrs || {}) }, { silent: true });
      if (typeof this.initialize === 'function') this.initialize(options || {});
    }

    _ensureAccessor(key) {
      if (Object.prototype.hasOwnProperty.call(this, key)) return;
      // Methods and getters of the class win over attributes of the same name.
      if (key in this) return;
      Object.defineProperty(this, key, {
        get() { return this.attributes[key]; },
        set(value) { this.set(key, value); },
        enumerable: true,
        configurable: true,
      });
    }

    get(key) {
      return this.attributes[key];
    }

    set(key, value, options) {
      let attrs;
      if (key !== null && typeof key === 'object') {
        attrs = key;
        options = value;
      } else {
        attrs = { [key]: value };
      }
      options = options || {};
      const changes = [];
      for (const [k, v] of Object.entries(attrs)) {
        this._ensureAccessor(k);
        const previous = this.attributes[k];
        this.attributes[k] = v;
        if (!sameValue(previous, v)) changes.push([k, v, previous]);
      }
      if (!options.silent && changes.length) {
        for (const [k, v, previous] of changes) this.trigger('change:' + k, this, v, previous);
        this.trigger('change', this);
      }
      return this;
    }

    unset(key, options) {
      return this.set(key, undefined, options);
    }

    trigger(name, ...args) {
      super.trigger(name, ...args);
      if (name !== 'add' && name !== 'remove') {
        for (const collection of this.collections) collection.trigger(name, ...args);
      }
      return this;
    }

    // Plain attributes only: nested models and collections stay out (as in WA's serialize).
    serialize() {
      const out = {};
      for (const [k, v] of Object.entries(this.attributes)) {
        if (v === undefined || typeof v === 'function') continue;
        if (v instanceof Model || v instanceof Collection) continue;
        out[k] = v;
      }
      return out;
    }

    toJSON() {
      return this.serialize();
    }

    unsafe() {
      return this;
    }
  }

  // ---- Collection: ordered models indexed by id (a Wid/MsgKey _serialized or a string).
  function idOf(value) {
    if (value == null) return undefined;
    if (typeof value === 'string') return value;
    if (value._serialized !== undefined) return value._serialized;
    if (value.id !== undefined && value.id !== value) return idOf(value.id);
    return String(value);
  }

  class Collection extends Events {
    constructor(models, options) {
      super();
      Object.defineProperty(this, '_models', { value: [], enumerable: false, writable: true });
      Object.defineProperty(this, '_index', { value: new Map(), enumerable: false });
      this.modelClass = (options && options.modelClass) || this.constructor.model || Model;
      if (models) this.add(models, { silent: true });
    }

    get length() {
      return this._models.length;
    }

    get models() {
      return this._models;
    }

    add(items, options) {
      options = options || {};
      const list = Array.isArray(items) ? items : [items];
      const results = [];
      for (const item of list) {
        if (item == null) continue;
        // Building the model first normalises its id (e.g. a plain key into a MsgKey).
        const model = item instanceof Model ? item : new this.modelClass(item, options);
        const id = idOf(model.id);
        const existing = id !== undefined ? this._index.get(id) : undefined;
        if (existing) {
          if (options.merge && !(item instanceof Model)) {
            const patch = {};
            for (const key of Object.keys(item)) patch[key] = model.attributes[key];
            existing.set(patch, options);
          }
          results.push(existing);
          continue;
        }
        model.collections.add(this);
        this._insert(model);
        if (id !== undefined) this._index.set(id, model);
        results.push(model);
        if (!options.silent) this.trigger('add', model, this, options);
      }
      return Array.isArray(items) ? results : results[0];
    }

    _insert(model) {
      if (typeof this.comparator === 'function') {
        let at = this._models.length;
        while (at > 0 && this.comparator(this._models[at - 1], model) > 0) at--;
        this._models.splice(at, 0, model);
      } else {
        this._models.push(model);
      }
    }

    remove(items, options) {
      options = options || {};
      const list = Array.isArray(items) ? items : [items];
      const removed = [];
      for (const item of list) {
        const model = this.get(item);
        if (!model) continue;
        this._models = this._models.filter((m) => m !== model);
        this._index.delete(idOf(model.id));
        model.collections.delete(this);
        removed.push(model);
        if (!options.silent) this.trigger('remove', model, this, options);
      }
      return Array.isArray(items) ? removed : removed[0];
    }

    reset(models, options) {
      for (const m of this._models) m.collections.delete(this);
      this._models = [];
      this._index.clear();
      if (models) this.add(models, { ...(options || {}), silent: true });
      if (!(options && options.silent)) this.trigger('reset', this);
      return this;
    }

    get(id) {
      if (id instanceof Model) return this._index.get(idOf(id.id));
      return this._index.get(idOf(id));
    }

    has(id) {
      return !!this.get(id);
    }

    // WA's gadd: get, or add a model with just this id.
    gadd(id, options) {
      const existing = this.get(id);
      if (existing) return existing;
      const attrs = id !== null && typeof id === 'object' && !id._serialized ? id : { id };
      return this.add(attrs, options || {});
    }

    // WA's find: asynchronous lookup (fetching from the server when missing).
    async find(id) {
      const found = this.get(id);
      if (found) return found;
      if (typeof this.findImpl === 'function') return this.findImpl(id);
      throw new Error('not found: ' + idOf(id));
    }

    getModelsArray() {
      return this._models.slice();
    }

    toArray() {
      return this._models.slice();
    }

    at(index) {
      return this._models[index < 0 ? this._models.length + index : index];
    }

    head() {
      return this._models[0];
    }

    last() {
      return this._models[this._models.length - 1];
    }

    forEach(fn) {
      this._models.forEach(fn);
    }

    map(fn) {
      return this._models.map(fn);
    }

    filter(fn) {
      return this._models.filter(fn);
    }

    some(fn) {
      return this._models.some(fn);
    }

    every(fn) {
      return this._models.every(fn);
    }

    findFirst(fn) {
      return this._models.find(fn);
    }

    where(attrs) {
      return this._models.filter((m) => Object.entries(attrs).every(([k, v]) => sameValue(m[k], v)));
    }

    serialize() {
      return this._models.map((m) => m.serialize());
    }

    toJSON() {
      return this.serialize();
    }
  }

  // ---- Wid: a WhatsApp id. Own fields server/user/_serialized (plus device when set);
  // toJSON() gives _serialized, so ids in event payloads arrive as strings.
  class Wid {
    constructor(serialized) {
      const text = String(serialized);
      const at = text.indexOf('@');
      const userPart = at < 0 ? text : text.slice(0, at);
      const server = at < 0 ? 'c.us' : text.slice(at + 1);
      const [user, device] = userPart.split(':');
      this.server = server;
      this.user = user;
      if (device !== undefined && device !== '0') this.device = Number(device);
      this._serialized = this.device !== undefined ? `${user}:${this.device}@${server}` : `${user}@${server}`;
    }

    isLid() { return this.server === 'lid'; }
    isUser() { return this.server === 'c.us' || this.server === 'lid'; }
    isGroup() { return this.server === 'g.us'; }
    isBroadcast() { return this.server === 'broadcast'; }
    isStatus() { return this.user === 'status' && this.server === 'broadcast'; }
    isStatusV3() { return this.isStatus(); }
    isNewsletter() { return this.server === 'newsletter'; }
    isServer() { return this.server === 'c.us' && this.user === 'server'; }
    isPSA() { return this.user === '0' && this.server === 'c.us'; }
    isBot() { return this.server === 'bot'; }
    isCompanion() { return this.device !== undefined && this.device !== 0; }
    getDeviceId() { return this.device || 0; }
    toString() { return this._serialized; }
    toJSON() { return this._serialized; }
    toJid() {
      return this.server === 'c.us' ? `${this.user}@s.whatsapp.net` : this._serialized;
    }
    equals(other) { return !!other && idOf(other) === this._serialized; }
    static isWid(value) { return value instanceof Wid; }
  }

  function toWid(value) {
    if (value == null) return value;
    if (value instanceof Wid) return value;
    if (typeof value === 'string') return new Wid(value);
    if (value._serialized) return new Wid(value._serialized);
    if (value.user !== undefined) return new Wid(`${value.user}@${value.server || 'c.us'}`);
    throw new Error('not a wid: ' + JSON.stringify(value));
  }

  // ---- MsgKey: {fromMe, remote, id, participant?, _serialized}; toString() is
  // fromMe_remote_id[_participant], the id whatsapp-web.js passes around.
  class MsgKey {
    constructor(props) {
      let { fromMe, remote } = props;
      if (props.selfDir !== undefined) {
        fromMe = props.selfDir === 'out';
        remote = fromMe ? props.to : props.from;
      }
      this.fromMe = !!fromMe;
      this.remote = toWid(remote);
      this.id = props.id;
      if (props.participant) this.participant = toWid(props.participant);
      this._serialized = MsgKey.keyToString(this);
    }

    static keyToString(key) {
      const base = `${key.fromMe}_${idOf(key.remote)}_${key.id}`;
      return key.participant ? `${base}_${idOf(key.participant)}` : base;
    }

    // WhatsApp Web ids: 3EB0 + 16 hex digits (whatsapp-web.js reads it as deviceType 'web').
    static async newId() {
      return MsgKey.newIdSync();
    }

    static newIdSync() {
      const bytes = crypto.getRandomValues(new Uint8Array(8));
      return '3EB0' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
    }

    static fromString(text) {
      const [fromMe, remote, id, participant] = String(text).split('_');
      return new MsgKey({ fromMe: fromMe === 'true', remote, id, participant });
    }

    static from(value) {
      if (value instanceof MsgKey) return value;
      if (typeof value === 'string') return MsgKey.fromString(value);
      return new MsgKey(value);
    }

    toString() { return this._serialized; }
    equals(other) { return !!other && idOf(other) === this._serialized; }
    clone() { return new MsgKey(this); }
  }

  // ---- base64 helpers (WABase64).
  function toBytes(data) {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (typeof data === 'string') return new TextEncoder().encode(data);
    throw new Error('cannot encode ' + typeof data);
  }

  function encodeB64(data) {
    const bytes = toBytes(data);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  function decodeB64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  __d('WABase64', () => ({
    encodeB64,
    decodeB64,
    encodeB64UrlSafe: (data, pad) => {
      const text = encodeB64(data).replace(/\+/g, '-').replace(/\//g, '_');
      return pad ? text : text.replace(/=+$/, '');
    },
    decodeB64UrlSafe: (text) => decodeB64(text.replace(/-/g, '+').replace(/_/g, '/')),
  }));

  __d('WAWebWid', () => Wid);
  __d('WAWebMsgKey', () => MsgKey);
  __d('WAWebBaseModel', () => ({ BaseModel: Model, Model }));
  __d('WAWebBaseCollection', () => ({ BaseCollection: Collection, Collection }));
  __d('WAWebCollections', () => ({}));

  __d('WAWebWidFactory', () => ({
    createWid: (value) => toWid(value),
    createWidFromWidLike: (value) => toWid(value),
    createUserWid: (user, server) => new Wid(`${user}@${server || 'c.us'}`),
    createDeviceWid: (value) => toWid(value),
    isWidlike: (value) => !!value && (value instanceof Wid || typeof value._serialized === 'string'),
    toUserWid: (wid) => new Wid(`${toWid(wid).user}@${toWid(wid).server}`),
    asUserWidOrThrow: (value) => {
      const wid = toWid(value);
      if (!wid.isUser()) throw new Error('not a user wid: ' + wid._serialized);
      return wid;
    },
    asGroupWidOrThrow: (value) => {
      const wid = toWid(value);
      if (!wid.isGroup()) throw new Error('not a group wid: ' + wid._serialized);
      return wid;
    },
  }));

  __d('WAWebWidToJid', () => ({
    widToUserJid: (wid) => toWid(wid).toJid(),
    widToGroupJid: (wid) => toWid(wid)._serialized,
    widToChatJid: (wid) => toWid(wid).toJid(),
  }));

  __d('WAWebJidToWid', () => ({
    userJidToUserWid: (jid) => toWid(String(jid).replace('@s.whatsapp.net', '@c.us')),
    groupJidToWid: (jid) => toWid(jid),
    newsletterJidToWid: (jid) => toWid(jid),
    chatJidToWid: (jid) => toWid(String(jid).replace('@s.whatsapp.net', '@c.us')),
  }));

  __d('WAJids', () => ({
    toNewsletterJid: (value) => (String(value).includes('@') ? String(value) : `${value}@newsletter`),
    toUserJid: (value) => toWid(value).toJid(),
  }));

  // ---- WASimServer: the simulator's socket to its servers (not a WhatsApp module).
  // request(method, params) -> Promise(result); on(event, fn) for pushed events;
  // onSync(order, fn) for the steps that apply a (re)connect snapshot, lowest first.
  __d('WASimServer', () => {
    const handlers = new Map();
    const pending = new Map();
    const syncSteps = [];
    let socket = null;
    let nextId = 1;
    let onClose = () => {};

    function dispatch(frame) {
      if (frame.id !== undefined && pending.has(frame.id)) {
        const { resolve, reject } = pending.get(frame.id);
        pending.delete(frame.id);
        if (frame.error !== undefined) reject(Object.assign(new Error(frame.error), { status: 400 }));
        else resolve(frame.result);
        return;
      }
      for (const fn of handlers.get(frame.event) || []) {
        try {
          fn(frame.data);
        } catch (e) {
          console.error('wa-sim: handling', frame.event, e);
        }
      }
    }

    return {
      connect() {
        return new Promise((resolve, reject) => {
          const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
          const ws = new WebSocket(`${scheme}//${location.host}/ws`);
          ws.onopen = () => {
            socket = ws;
            resolve();
          };
          ws.onerror = () => reject(new Error('cannot reach the simulator'));
          ws.onmessage = (e) => dispatch(JSON.parse(e.data));
          ws.onclose = () => {
            if (socket !== ws) return;
            socket = null;
            for (const { reject: fail } of pending.values()) fail(new Error('connection closed'));
            pending.clear();
            onClose();
          };
        });
      },
      close() {
        if (socket) socket.close();
      },
      isOpen: () => !!socket,
      setOnClose(fn) {
        onClose = fn;
      },
      request(method, params) {
        if (!socket) return Promise.reject(new Error('not connected to the simulator'));
        const id = nextId++;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          socket.send(JSON.stringify({ id, method, params: params || {} }));
        });
      },
      on(event, fn) {
        handlers.set(event, [...(handlers.get(event) || []), fn]);
      },
      onSync(order, fn) {
        syncSteps.push({ order, fn });
        syncSteps.sort((a, b) => a.order - b.order);
      },
      applySync(snapshot) {
        for (const step of syncSteps) step.fn(snapshot);
      },
    };
  });

  // Internal helpers shared by the areas (not a WhatsApp module).
  __d('WASimCore', () => ({ Events, Model, Collection, Wid, MsgKey, toWid, idOf, encodeB64, decodeB64, toBytes }));
})();
