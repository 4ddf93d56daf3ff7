// misc.js: calls, polls, settings, feature flags, gating flags, browser info, and the
// protobuf helpers whatsapp-web.js wraps at load time.
(function () {
  'use strict';

  __d('WAWebSyncGatingUtils', () => ({
    isPlaceholderMessageResendEnabled: () => false,
  }));

  // ---- Calls. whatsapp-web.js hooks `set` of this collection's first own enumerable Map
  // property, so incoming calls go through `this.calls.set(...)` at call time.
  __d('WAWebCallCollection', (require) => {
    const { Events, Model, Wid } = require('WASimCore');

    class CallModel extends Model {}

    class CallCollection extends Events {
      constructor() {
        super();
        this.calls = new Map();
      }

      get(id) {
        return this.calls.get(id);
      }

      getModelsArray() {
        return [...this.calls.values()];
      }

      add(call) {
        this.calls.set(call.id, call);
        this.trigger('add', call);
        return call;
      }

      remove(id) {
        const call = this.calls.get(id);
        if (!call) return;
        this.calls.delete(id);
        this.trigger('remove', call);
      }
    }

    const calls = new CallCollection();
    const server = require('WASimServer');
    server.on('call', (view) => {
      calls.add(new CallModel({
        id: view.id,
        peerJid: new Wid(view.peerJid),
        isVideo: view.isVideo,
        isGroup: view.isGroup,
        canHandleLocally: true,
        outgoing: view.outgoing,
        webClientShouldHandle: true,
        participants: [],
        offerTime: view.offerTime,
      }));
    });
    server.on('callEnded', ({ id }) => calls.remove(id));
    return calls;
  });

  // Stanza building for calls (`rejectCall`): only reject stanzas mean anything here.
  __d('WAWap', (require) => {
    const jid = (value) => String(value && value._serialized ? value._serialized : value);
    return {
      wap: (tag, attrs, content) => ({ tag, attrs: attrs || {}, content }),
      generateId: () => require('WASimCore').MsgKey.newIdSync(),
      USER_JID: jid,
      DEVICE_JID: jid,
      CALL_JID: jid,
      JID: jid,
      CUSTOM_STRING: (value) => String(value),
    };
  });

  __d('WADeprecatedSendIq', (require) => ({
    deprecatedCastStanza: async (stanza) => {
      const children = Array.isArray(stanza.content) ? stanza.content : [];
      for (const child of children) {
        if (stanza.tag === 'call' && child && child.tag === 'reject') {
          await require('WASimServer').request('rejectCall', { id: String(child.attrs['call-id']) });
        }
      }
      return { tag: 'ack' };
    },
  }));

  // ---- Polls: votes are stored in a vote table (hooked by whatsapp-web.js).
  __d('WAWebAddonPollVoteTableMode', (require) => {
    const votes = new Map();
    return {
      pollVoteTableMode: {
        bulkUpsert: async (rows) => {
          for (const row of rows) {
            const parent = row.pollUpdateParentKey._serialized;
            const perVoter = votes.get(parent) || new Map();
            perVoter.set((row.author || row.sender || row.from)._serialized, row);
            votes.set(parent, perVoter);
          }
          return rows;
        },
        _votesOf: (parentId) => [...(votes.get(parentId) || new Map()).values()],
      },
      _normalizeRow: (row) => {
        const { MsgKey, toWid } = require('WASimCore');
        return {
          ...row,
          id: MsgKey.from(row.id),
          parentMsgKey: MsgKey.from(row.parentMsgKey),
          pollUpdateParentKey: MsgKey.from(row.pollUpdateParentKey),
          sender: toWid(row.sender),
          from: toWid(row.from),
          author: row.author ? toWid(row.author) : undefined,
        };
      },
    };
  });

  __d('WAWebPollsVotesSchema', (require) => ({
    getTable: () => ({
      // One indexed column takes a single value (whatsapp-web.js passes the key string).
      equals: async (columns, values) => {
        const value = Array.isArray(values) ? values[0] : values;
        const parent = value && value._serialized ? value._serialized : String(value);
        return require('WAWebAddonPollVoteTableMode').pollVoteTableMode._votesOf(parent);
      },
    }),
  }));

  __d('WAWebPollsSendVoteMsgAction', (require) => ({
    // sendVote(pollMsg, selectedOptions: [{name, localId}])
    sendVote: async (msg, selectedOptions) => {
      const options = (selectedOptions || []).map((o) => o.name);
      await require('WASimServer').request('vote', { parent: msg.id._serialized, options });
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      const { MsgKey } = require('WASimCore');
      const table = require('WAWebAddonPollVoteTableMode');
      await table.pollVoteTableMode.bulkUpsert([table._normalizeRow({
        id: { fromMe: true, remote: msg.id.remote, id: MsgKey.newIdSync(), participant: msg.id.remote.isGroup() ? me : undefined },
        parentMsgKey: msg.id,
        pollUpdateParentKey: msg.id,
        sender: me,
        from: me,
        author: msg.id.remote.isGroup() ? me : undefined,
        selectedOptionLocalIds: (selectedOptions || []).map((o) => o.localId),
        senderTimestampMs: Date.now(),
        t: Math.floor(Date.now() / 1000),
        ack: 1,
        read: true,
      })]);
      return { messageSendResult: 'OK' };
    },
  }));

  __d('WASimPollVotes', (require) => {
    const server = require('WASimServer');
    server.on('vote', (row) => {
      const table = require('WAWebAddonPollVoteTableMode');
      table.pollVoteTableMode.bulkUpsert([table._normalizeRow(row)]);
    });
    return {};
  });

  // ---- Settings and flags.
  __d('WAWebUserPrefsGeneral', () => {
    const prefs = { AutoDownloadAudio: true, AutoDownloadDocuments: false, AutoDownloadPhotos: true, AutoDownloadVideos: false };
    const api = {};
    for (const name of Object.keys(prefs)) {
      api['get' + name] = () => prefs[name];
      api['set' + name] = (value) => {
        prefs[name] = !!value;
      };
    }
    return api;
  });

  __d('WAWebUserPrefsNotifications', () => {
    let offline = true;
    return {
      getGlobalOfflineNotifications: () => offline,
      setGlobalOfflineNotifications: (value) => {
        offline = !!value;
      },
    };
  });

  __d('WAWebFeatures', (require) => {
    const flags = new Map();
    const features = {
      F: { MD_BACKEND: 'MD_BACKEND', MULTI_DEVICE: 'MULTI_DEVICE' },
      supportsFeature: (name) => (flags.has(name) ? flags.get(name) : true),
      setFeature: (name, value) => {
        flags.set(name, value);
      },
    };
    require('WAWebCollections').Features = features;
    return features;
  });

  __d('WAWebMiscBrowserUtils', () => ({
    info: () => ({ name: 'Chrome', version: (navigator.userAgent.match(/Chrome\/([\d.]+)/) || [])[1] || '0', os: 'Linux' }),
  }));

  __d('WAWebL10N', () => ({ getRegion: () => 'US', getLocale: () => 'en' }));

  // Called through whatsapp-web.js wrappers at load time; the simulator's messages are
  // not protobufs, so these only need to exist.
  __d('WAWebBackendJobsCommon', () => ({
    mediaTypeFromProtobuf: (proto) => (proto && proto.imageMessage ? 'image' : null),
  }));

  __d('WAWebE2EProtoUtils', () => ({
    typeAttributeFromProtobuf: (proto) => (proto && (proto.imageMessage || proto.videoMessage) ? 'media' : 'text'),
  }));
})();
