// groups.js: GroupMetadata model and collection, group creation, participants
// (add/remove/promote/demote, membership requests), subject, description, settings,
// invites, leaving. Changes reach every member as gp2 notification messages.
(function () {
  'use strict';

  __d('WAWebGroupMetadataCollection', (require) => {
    const { Model, Collection, Wid } = require('WASimCore');
    const server = require('WASimServer');
    const inviteCodes = new Map();

    class Participant extends Model {
      get contact() {
        return require('WAWebCollections').Contact.gadd(this.id);
      }
    }

    class ParticipantCollection extends Collection {
      static get model() {
        return Participant;
      }
    }

    class GroupMetadata extends Model {
      static defaults() {
        return { restrict: false, announce: false, isLidAddressingMode: false, isParentGroup: false, support: false, suspended: false, terminated: false, noFrequentlyForwarded: false, ephemeralDuration: 0 };
      }

      initialize() {
        Object.defineProperty(this, 'participants', { value: new ParticipantCollection(), enumerable: false });
        Object.defineProperty(this, 'pendingParticipants', { value: new ParticipantCollection(), enumerable: false });
        Object.defineProperty(this, 'membershipApprovalRequests', { value: new ParticipantCollection(), enumerable: false });
      }

      get groupInviteCode() {
        return inviteCodes.get(this.id._serialized);
      }

      serialize() {
        return {
          ...super.serialize(),
          participants: this.participants.serialize(),
          pendingParticipants: this.pendingParticipants.serialize(),
        };
      }
    }

    class GroupMetadataCollection extends Collection {
      static get model() {
        return GroupMetadata;
      }

      // The server pushes every change, so the local model is already current.
      async update(id) {
        return this.get(id);
      }

      async findImpl(id) {
        throw new Error('group not found: ' + (id._serialized || id));
      }
    }

    const groups = new GroupMetadataCollection();

    function applyGroup(view) {
      const attrs = {
        id: new Wid(view.id),
        creation: view.creation,
        owner: new Wid(view.owner),
        subject: view.subject,
        subjectTime: view.subjectTime,
        desc: view.desc || undefined,
        descId: view.descId || undefined,
        restrict: view.restrict,
        announce: view.announce,
        memberAddMode: view.memberAddMode,
        membershipApprovalMode: view.membershipApprovalMode,
        size: view.size,
      };
      inviteCodes.set(view.id, view.inviteCode);
      let group = groups.get(view.id);
      if (group) group.set(attrs);
      else group = groups.add(attrs);
      group.participants.reset(view.participants.map((p) => ({ id: new Wid(p.id), isAdmin: p.isAdmin, isSuperAdmin: p.isSuperAdmin })));
      group.membershipApprovalRequests.reset(view.membershipApprovalRequests.map((p) => ({ id: new Wid(p.id), t: view.creation })));
      const chat = require('WAWebCollections').Chat.get(view.id);
      if (chat) chat.set('isReadOnly', view.announce && !isAdmin(group));
      return group;
    }

    function isAdmin(group) {
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      return !!me && group.participants.some((p) => p.id.user === me.user && p.isAdmin);
    }

    server.onSync(20, (snapshot) => snapshot.groups.forEach(applyGroup));
    server.on('group', applyGroup);
    const collections = require('WAWebCollections');
    collections.GroupMetadata = groups;
    collections.WAWebGroupMetadataCollection = groups;
    // The module itself is the collection (whatsapp-web.js calls .update on it).
    return Object.assign(groups, { GroupMetadataCollection: groups, GroupMetadata, _apply: applyGroup });
  });

  const userJid = (value) => {
    const v = value && value.id ? value.id : value;
    return String(v && v._serialized ? v._serialized : v);
  };

  __d('WAWebGroupCreateJob', (require) => ({
    // createGroup({title, ...}, [{phoneNumber: Wid, lid?}]) -> {wid, participants, subject}
    createGroup: async (options, participants) => {
      const { Wid } = require('WASimCore');
      const ids = (participants || []).map((p) => userJid(p.phoneNumber || p.lid || p));
      const view = await require('WASimServer').request('createGroup', { subject: options.title || options.subject, participants: ids });
      require('WAWebGroupMetadataCollection')._apply(view);
      const server = require('WASimServer');
      const settings = [['announce', options.announce], ['restrict', options.restrict], ['member_add_mode', options.memberAddMode], ['membership_approval_mode', options.membershipApprovalMode]];
      for (const [property, value] of settings) {
        if (value) await server.request('groupProperty', { group: view.id, property, value: true });
      }
      return {
        wid: new Wid(view.id),
        subject: view.subject,
        participants: view.participants.map((p) => ({ wid: new Wid(p.id), type: p.isSuperAdmin ? 'superadmin' : undefined })),
        invitedOutContacts: [],
      };
    },
  }));

  // Group IQs the server refuses fail as WhatsApp Web's ServerStatusCodeError.
  async function groupIq(require, method, params) {
    try {
      return await require('WASimServer').request(method, params);
    } catch (err) {
      throw Object.assign(err, { name: 'ServerStatusCodeError' });
    }
  }

  async function changeParticipants(require, group, action, participants) {
    const gid = userJid(group);
    return require('WASimServer').request('groupParticipants', { group: gid, action, participants: participants.map(userJid) });
  }

  __d('WAWebModifyParticipantsGroupAction', (require) => ({
    addParticipants: (group, participants) => changeParticipants(require, group, 'add', participants),
    removeParticipants: (group, participants) => changeParticipants(require, group, 'remove', participants),
    promoteParticipants: (group, participants) => changeParticipants(require, group, 'promote', participants),
    demoteParticipants: (group, participants) => changeParticipants(require, group, 'demote', participants),
  }));

  __d('WASmaxGroupsAddParticipantsRPC', (require) => ({
    // The add-participants IQ: one result per participant, error code when not 200.
    sendAddParticipantsRPC: async ({ participantArgs, iqTo }) => {
      const participants = (participantArgs || []).map((a) => a.participantJid);
      const results = await require('WASimServer').request('groupParticipants', { group: userJid(iqTo).replace('@s.whatsapp.net', '@c.us'), action: 'add', participants });
      return {
        name: 'AddParticipantsResponseSuccess',
        value: {
          addParticipant: results.map((r) => ({
            participantJid: r.id,
            addParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup: {
              name: 'AddParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup',
              value: {
                addParticipantsParticipantMixins: r.code === 200 ? null : { name: 'AddParticipantsParticipantError', value: { error: String(r.code) } },
              },
            },
          })),
        },
      };
    },
  }));

  __d('WAWebGroupModifyInfoJob', (require) => ({
    setGroupSubject: (groupWid, subject) => groupIq(require, 'groupSubject', { group: userJid(groupWid), subject: String(subject) }),
    // (groupWid, description, newDescId, previousDescId)
    setGroupDescription: (groupWid, description) => groupIq(require, 'groupDescription', { group: userJid(groupWid), description: String(description || '') }),
  }));

  __d('WAWebSetPropertyGroupAction', (require) => {
    const PROPERTIES = { announcement: 'announce', announce: 'announce', restrict: 'restrict', member_add_mode: 'member_add_mode', membership_approval_mode: 'membership_approval_mode' };
    return {
      setGroupProperty: async (group, property, value) => {
        const name = PROPERTIES[property];
        if (!name) throw new Error('unknown group property ' + property);
        await groupIq(require, 'groupProperty', { group: userJid(group), property: name, value: !!value });
        return true;
      },
    };
  });

  __d('WAWebExitGroupAction', (require) => ({
    sendExitGroup: async (chat) => {
      await require('WASimServer').request('groupParticipants', { group: userJid(chat), action: 'leave', participants: [] });
      return true;
    },
  }));

  __d('WAWebMexFetchGroupInviteCodeJob', (require) => ({
    fetchMexGroupInviteCode: async (groupId) => {
      const { code } = await groupIq(require, 'groupInviteCode', { group: userJid(groupId) });
      return code;
    },
  }));

  __d('WAWebGroupQueryJob', (require) => ({
    queryAndUpdateGroupMetadataById: async ({ id }) => require('WAWebCollections').GroupMetadata.get(id),
    // Anyone holding the code may look at the group; ids come back as Wids.
    queryGroupInvite: async (code) => {
      const { Wid } = require('WASimCore');
      const view = await require('WASimServer').request('groupInviteInfo', { code: String(code) });
      return {
        ...view,
        id: new Wid(view.id),
        owner: view.owner ? new Wid(view.owner) : undefined,
        participants: view.participants.map((p) => ({ ...p, id: new Wid(p.id) })),
      };
    },
    resetGroupInviteCode: async (groupWid) => {
      const { code } = await groupIq(require, 'groupInviteCode', { group: userJid(groupWid), reset: true });
      return { code };
    },
  }));

  __d('WAWebGroupInviteJob', (require) => ({
    joinGroupViaInvite: async (code) => {
      const { gid } = await require('WASimServer').request('joinGroupByInvite', { code: String(code) });
      return { gid: require('WASimCore').toWid(gid) };
    },
  }));

  __d('WAWebApiMembershipApprovalRequestStore', (require) => ({
    getMembershipApprovalRequests: async (groupWid) => {
      const group = require('WAWebCollections').GroupMetadata.get(groupWid);
      return group ? group.membershipApprovalRequests.getModelsArray().map((r) => ({ id: r.id, addedBy: r.id, parentGroupId: null, requestMethod: 'InviteLink', t: r.t })) : [];
    },
  }));

  __d('WASmaxGroupsMembershipRequestsActionRPC', (require) => ({
    // {iqTo, approveArgs | rejectArgs: {participantArgs: [{participantJid}]}}: approved
    // requesters join, rejected ones are dropped; each answers its error code, if any.
    sendMembershipRequestsActionRPC: async ({ iqTo, approveArgs, rejectArgs }) => {
      const approve = !!approveArgs;
      const participants = ((approveArgs || rejectArgs || {}).participantArgs || []).map((a) => a.participantJid);
      const results = await groupIq(require, 'groupMembershipRequests', { group: userJid(iqTo), action: approve ? 'approve' : 'reject', participants });
      const mixins = approve ? 'membershipRequestsActionAcceptParticipantMixins' : 'membershipRequestsActionRejectParticipantMixins';
      const value = {
        participant: results.map((r) => ({ jid: r.id, [mixins]: r.code === 200 ? null : { value: { error: String(r.code) } } })),
      };
      return {
        name: 'MembershipRequestsActionResponseSuccess',
        value: approve ? { membershipRequestsActionApprove: value } : { membershipRequestsActionReject: value },
      };
    },
  }));
})();
