// contacts.js: Contact model and collection, contact getters, LID <-> phone mapping,
// blocklist, business profiles, profile pictures, about/status, presence, pushname.
(function () {
  'use strict';

  // Server contact view -> Contact attributes (sim-only fields stay out of serialize()).
  function contactAttrs(view, Wid) {
    const name = view.name || undefined;
    return {
      id: new Wid(view.id),
      name,
      shortName: name ? name.split(' ')[0] : undefined,
      pushname: view.pushname || undefined,
      type: 'in',
      isBusiness: !!view.isBusiness,
      isEnterprise: false,
      verifiedName: view.isBusiness ? view.pushname || undefined : undefined,
      verifiedLevel: view.isBusiness ? 0 : undefined,
      statusMute: false,
      labels: [],
      isContactBlocked: !!view.isContactBlocked,
      isAddressBookContact: name ? 1 : 0,
    };
  }

  __d('WAWebContactCollection', (require) => {
    const { Model, Collection, Wid } = require('WASimCore');
    const lidByPhone = new Map();
    const phoneByLid = new Map();
    const extras = new Map();

    class Contact extends Model {
      get formattedName() {
        return this.name || this.pushname || '+' + this.id.user;
      }

      get phoneNumber() {
        return this.id.isLid() ? phoneByLid.get(this.id._serialized) : this.id;
      }

      get businessProfile() {
        return require('WAWebCollections').BusinessProfile.get(this.id);
      }
    }

    class ContactCollection extends Collection {
      static get model() {
        return Contact;
      }

      async findImpl(id) {
        const view = await require('WASimServer').request('contact', { id: String(id._serialized || id) });
        return applyContact(view);
      }
    }

    const collection = new ContactCollection();

    function applyContact(view) {
      const wid = new Wid(view.id);
      if (view.lid) {
        lidByPhone.set(wid._serialized, new Wid(view.lid));
        phoneByLid.set(view.lid, wid);
      }
      extras.set(wid._serialized, { about: view.about, profilePic: view.profilePic });
      const attrs = contactAttrs(view, Wid);
      const existing = collection.get(wid);
      if (existing) {
        existing.set(attrs);
        return existing;
      }
      return collection.add(attrs);
    }

    const server = require('WASimServer');
    server.onSync(10, (snapshot) => snapshot.contacts.forEach(applyContact));
    server.on('contact', applyContact);
    require('WAWebCollections').Contact = collection;

    return {
      ContactCollection: collection,
      Contact,
      getMeContact: () => {
        const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        return me ? collection.gadd(me) : undefined;
      },
      // For the sibling modules of this area.
      _lidOf: (wid) => lidByPhone.get(String(wid._serialized || wid)),
      _phoneOfLid: (wid) => phoneByLid.get(String(wid._serialized || wid)),
      _extras: (wid) => extras.get(String(wid._serialized || wid)) || {},
      _apply: applyContact,
    };
  });

  __d('WAWebContactGetters', (require) => {
    const meUser = () => require('WAWebUserPrefsMeUser');
    return {
      getIsMe: (c) => meUser().isMeAccount(c.id),
      getIsUser: (c) => c.id.isUser(),
      getIsGroup: (c) => c.id.isGroup(),
      getIsWAContact: (c) => c.id.isUser() && !c.id.isPSA(),
      getUserid: (c) => c.id.user,
      getVerifiedName: (c) => c.verifiedName,
      getVerifiedLevel: (c) => c.verifiedLevel,
      getStatusMute: (c) => !!c.statusMute,
      getName: (c) => c.name,
      getShortName: (c) => c.shortName,
      getPushname: (c) => c.pushname,
      getIsEnterprise: (c) => !!c.isEnterprise,
      getIsBusiness: (c) => !!c.isBusiness,
      getFormattedName: (c) => c.formattedName,
      getPhoneNumber: (c) => c.phoneNumber,
    };
  });

  __d('WAWebFrontendContactGetters', () => ({
    getIsMyContact: (c) => !!c.name,
    getFormattedName: (c) => c.formattedName,
  }));

  __d('WAWebApiContact', (require) => {
    const contacts = () => require('WAWebContactCollection');
    const { toWid } = require('WASimCore');
    return {
      getAlternateUserWid: (wid) => {
        const w = toWid(wid);
        return (w.isLid() ? contacts()._phoneOfLid(w) : contacts()._lidOf(w)) || null;
      },
      getPhoneNumber: (wid) => {
        const w = toWid(wid);
        return w.isLid() ? contacts()._phoneOfLid(w) || null : w;
      },
      getCurrentLid: (wid) => {
        const w = toWid(wid);
        return w.isLid() ? w : contacts()._lidOf(w) || null;
      },
    };
  });

  __d('WAWebLidMigrationUtils', (require) => ({
    toPn: (wid) => {
      const w = require('WASimCore').toWid(wid);
      return w.isLid() ? require('WAWebContactCollection')._phoneOfLid(w) || null : w;
    },
    toLid: (wid) => {
      const w = require('WASimCore').toWid(wid);
      return w.isLid() ? w : require('WAWebContactCollection')._lidOf(w) || null;
    },
  }));

  __d('WAWebQueryExistsJob', (require) => ({
    // Every phone number exists on the simulated network.
    queryWidExists: async (wid) => {
      const { toWid, Wid } = require('WASimCore');
      const w = toWid(wid);
      if (!/^\d+$/.test(w.user)) return null;
      const view = await require('WASimServer').request('contact', { id: w._serialized });
      require('WAWebContactCollection')._apply(view);
      return { wid: new Wid(view.id), lid: new Wid(view.lid), biz: !!view.isBusiness };
    },
  }));

  __d('WAWebBlocklistCollection', (require) => {
    const { Model, Collection, Wid } = require('WASimCore');
    class BlocklistCollection extends Collection {}
    const blocklist = new BlocklistCollection([], { modelClass: Model });
    const contacts = require('WAWebContactCollection').ContactCollection;

    function applyBlocklist(ids) {
      blocklist.reset(ids.map((id) => ({ id: new Wid(id) })));
      for (const contact of contacts.getModelsArray()) {
        contact.set('isContactBlocked', ids.includes(contact.id._serialized));
      }
    }

    const server = require('WASimServer');
    server.onSync(11, (snapshot) => applyBlocklist(snapshot.blocklist));
    server.on('blocklist', applyBlocklist);
    require('WAWebCollections').Blocklist = blocklist;
    return { BlocklistCollection: blocklist };
  });

  __d('WAWebBlockContactAction', (require) => {
    async function setBlocked(arg, block) {
      const contact = arg && arg.contact ? arg.contact : arg;
      await require('WASimServer').request('block', { id: contact.id._serialized, block });
      contact.set('isContactBlocked', block);
      // The action updates the local blocklist when the server accepts, before its push.
      const blocklist = require('WAWebCollections').Blocklist;
      if (block) blocklist.add({ id: contact.id }, { merge: true });
      else blocklist.remove(contact.id);
    }
    return {
      blockContact: (arg) => setBlocked(arg, true),
      unblockContact: (arg) => setBlocked(arg, false),
    };
  });

  __d('WAWebBlockContactUtils', (require) => ({
    // (contact or wid, entry point): the contact to block.
    getContactToBlockOnlyUseIfNoAssociatedChat: (contact) =>
      require('WAWebContactCollection').ContactCollection.gadd(require('WASimCore').toWid(contact && contact.id ? contact.id : contact)),
  }));

  __d('WAWebBusinessProfileCollection', (require) => {
    const { Model, Collection } = require('WASimCore');
    class BusinessProfileCollection extends Collection {
      async findImpl(id) {
        const contact = await require('WAWebContactCollection').ContactCollection.find(id);
        if (!contact.isBusiness) throw new Error('not a business: ' + contact.id._serialized);
        return this.add({
          id: contact.id,
          tag: String(Date.now()),
          description: require('WAWebContactCollection')._extras(contact.id).about || '',
          categories: [{ id: '133436743388217', localized_display_name: 'Shopping & retail' }],
          profileOptions: { commerceExperience: 'none', cartEnabled: false },
          email: null,
          website: [],
          latitude: null,
          longitude: null,
          businessHours: null,
          address: null,
        });
      }
    }
    const profiles = new BusinessProfileCollection([], { modelClass: Model });
    require('WAWebCollections').BusinessProfile = profiles;
    return { BusinessProfileCollection: profiles };
  });

  __d('WAWebProfilePicThumbCollection', (require) => {
    const { Model, Collection, toWid } = require('WASimCore');

    class ProfilePicThumb extends Model {
      // The own picture, or a group's when its info is open to members or this account is an admin.
      canSet() {
        if (!this.id.isGroup()) return require('WAWebUserPrefsMeUser').isMeAccount(this.id);
        const chat = require('WAWebCollections').Chat.get(this.id);
        return !!chat && chat.iAmMember() && (!chat.groupMetadata.restrict || chat.iAmAdmin());
      }

      canDelete() {
        return this.canSet() && !!this.img;
      }
    }

    class ProfilePicThumbCollection extends Collection {
      static get model() {
        return ProfilePicThumb;
      }

      async findImpl(id) {
        const wid = toWid(id);
        const server = require('WASimServer');
        let path;
        if (wid.isUser()) path = (await server.request('contact', { id: wid._serialized })).profilePic;
        else if (wid.isGroup()) path = (await server.request('groupPicture', { group: wid._serialized })).directPath;
        const url = path ? location.origin + path : undefined;
        return this.add({ id: wid, eurl: url, img: url, imgFull: url, tag: path ? String(path.length) : undefined });
      }
    }

    const thumbs = new ProfilePicThumbCollection();
    require('WAWebCollections').ProfilePicThumb = thumbs;
    return { ProfilePicThumbCollection: thumbs };
  });

  // The account's own picture, or a group's; refused changes fail as ServerStatusCodeError.
  async function setPicturePath(require, wid, directPath) {
    const id = require('WASimCore').toWid(wid);
    try {
      if (id.isGroup()) await require('WASimServer').request('setGroupPicture', { group: id._serialized, directPath });
      else await require('WASimServer').request('setProfilePic', { directPath });
    } catch (err) {
      throw Object.assign(err, { name: 'ServerStatusCodeError' });
    }
    require('WAWebCollections').ProfilePicThumb.remove(id);
  }

  __d('WAWebContactProfilePicThumbBridge', (require) => ({
    // Takes a chat or contact (whatsapp-web.js 1.34.7 passes its getChatModel) or a Wid.
    requestProfilePicFromServer: async (chatOrWid) => {
      const core = require('WASimCore');
      const wid = core.toWid(chatOrWid && chatOrWid.id && chatOrWid._serialized === undefined ? chatOrWid.id : chatOrWid);
      const thumbs = require('WAWebCollections').ProfilePicThumb;
      thumbs.remove(wid);
      const thumb = await thumbs.find(wid);
      return { eurl: thumb.eurl, tag: thumb.tag, status: thumb.eurl ? 200 : 404 };
    },
    // thumb and picture are data URLs or base64 JPEGs; the server keeps the picture.
    sendSetPicture: async (wid, thumb, picture) => {
      const data = String(picture && picture.url ? picture.url : picture || thumb || '');
      const base64 = data.includes(',') ? data.split(',')[1] : data;
      const bytes = new Uint8Array(require('WASimCore').decodeB64(base64));
      const upload = await fetch('/mms/image/profile', { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: bytes });
      const { direct_path: directPath } = await upload.json();
      await setPicturePath(require, wid, directPath);
      return { status: 200, eurl: location.origin + directPath, tag: String(Date.now()) };
    },
    requestDeletePicture: async (wid) => {
      await setPicturePath(require, wid, null);
      return { status: 200 };
    },
  }));

  __d('WAWebContactStatusBridge', (require) => ({
    // getStatus({token, wid}) (older builds took the wid itself).
    getStatus: async (arg) => {
      const wid = require('WASimCore').toWid(arg && arg.wid ? arg.wid : arg);
      const view = await require('WASimServer').request('contact', { id: wid._serialized });
      return { status: view.about || '', id: wid };
    },
    setMyStatus: async (text) => {
      await require('WASimServer').request('setAbout', { about: String(text) });
      return { status: 200 };
    },
  }));

  __d('WAWebSetPushnameConnAction', (require) => ({
    setPushname: async (name) => {
      await require('WASimServer').request('setPushname', { pushname: String(name) });
      require('WAWebConnModel').Conn.set('pushname', String(name));
      return true;
    },
  }));

  __d('WAWebSaveContactAction', (require) => ({
    // (phoneNumber, prevPhoneNumber, firstName, lastName, syncToAddressbook)
    saveContactAction: async (phoneNumber, _previous, firstName, lastName) => {
      const id = String(phoneNumber).replace(/\D/g, '') + '@c.us';
      const name = [firstName, lastName].filter(Boolean).join(' ');
      await require('WASimServer').request('saveContact', { id, name });
      return require('WAWebContactCollection').ContactCollection.find(id);
    },
  }));

  __d('WAWebDeleteContactAction', (require) => ({
    deleteContactAction: async (phoneNumber) => {
      const id = String(phoneNumber).replace(/\D/g, '') + '@c.us';
      await require('WASimServer').request('saveContact', { id, name: '' });
    },
  }));

  __d('WAWebPresenceChatAction', () => ({
    sendPresenceAvailable: async () => {},
    sendPresenceUnavailable: async () => {},
  }));

  __d('WAWebApiDeviceList', (require) => ({
    // The phone (0) and its linked devices, as the server lists them.
    getDeviceIds: async (wids) => {
      const { toWid } = require('WASimCore');
      const ids = (wids || []).map((w) => toWid(w)._serialized);
      const lists = await require('WASimServer').request('deviceList', { ids });
      return lists.map((list) => ({ id: toWid(list.id), devices: list.devices }));
    },
  }));

  __d('WAWebPhoneUtils', () => ({
    formattedPhoneNumber: (phone) => '+' + String(phone).replace(/\D/g, ''),
  }));

  __d('WAPhoneFindCC', () => ({
    // Enough of the numbering plan for a simulator: NANP, then 2-digit codes.
    findCC: (phone) => {
      const digits = String(phone).replace(/\D/g, '');
      return digits.startsWith('1') || digits.startsWith('7') ? digits[0] : digits.slice(0, 2);
    },
  }));

  __d('WAWebFindCommonGroupsContactAction', (require) => ({
    // Like WhatsApp Web, the answer lands on the contact as its commonGroups collection.
    findCommonGroups: async (contact) => {
      const ids = await require('WASimServer').request('commonGroups', { contact: contact.id._serialized });
      const chats = require('WAWebCollections').Chat;
      const groups = ids.map((id) => chats.get(id)).filter(Boolean);
      contact.commonGroups = new (require('WASimCore').Collection)(groups);
      return groups;
    },
  }));
})();
