// wa-gateway bridge, group module: participants, invites, settings, picture and membership
// requests of a group, the way whatsapp-web.js 1.34.7 GroupChat (and the Client and WWebJS
// helpers it calls) does it.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const Collections = () => mod('WAWebCollections');
  const createWid = (id) => mod('WAWebWidFactory').createWid(id);
  const isServerError = (err) => err && err.name === 'ServerStatusCodeError';

  /** The group's chat model: 404 when unknown, 500 'The chat is not a group' otherwise. */
  async function findGroup(chatId) {
    const chat = await wagw.models.findChat(chatId);
    if (!chat) throw wagw.fail(404, 'Chat not Found');
    if (!chat.groupMetadata) throw wagw.fail(500, 'The chat is not a group');
    return chat;
  }

  /** Milliseconds to wait for `sleep`: a number, [ms] or a random pick in [min, max]. */
  function sleepTime(sleep) {
    if (!Array.isArray(sleep) || (sleep.length === 2 && sleep[0] === sleep[1])) return sleep;
    if (sleep.length === 1) return sleep[0];
    let [min, max] = sleep;
    if (max - min < 100) {
      min = max;
      max += 100;
    }
    return Math.floor(Math.random() * (max - min + 1)) + min;
  }

  /** Waits between two items of a batch, never after the last one. */
  async function pauseBetween(sleep, index, count) {
    if (sleep && count > 1 && index !== count - 1) await wagw.sleep(sleepTime(sleep));
  }

  /** WWebJS.enforceLidAndPnRetrieval: the user's LID and phone wids ({} when unknown). */
  async function lidAndPhone(userId) {
    const wid = createWid(userId);
    const contacts = mod('WAWebApiContact');
    const isLid = wid.server === 'lid';
    let lid = isLid ? wid : contacts.getCurrentLid(wid);
    let phone = isLid ? contacts.getPhoneNumber(wid) : wid;
    if ((!isLid && !lid) || (isLid && !phone)) {
      const exists = await mod('WAWebQueryExistsJob').queryWidExists(wid);
      if (!exists || !exists.wid) return {};
      if (isLid) phone = contacts.getPhoneNumber(wid);
      else lid = contacts.getCurrentLid(wid);
    }
    return { lid, phone };
  }

  /** GroupChat remove/promote/demote: the members among the ids, then the group action. */
  async function modifyParticipants(chatId, participantIds, action) {
    const chat = await findGroup(chatId);
    const members = chat.groupMetadata.participants;
    const participants = [];
    for (const id of participantIds) {
      const { lid, phone } = await lidAndPhone(id);
      const member = (lid && members.get(lid._serialized)) || (phone && members.get(phone._serialized));
      if (member) participants.push(member);
    }
    await mod('WAWebModifyParticipantsGroupAction')[action](chat, participants);
    return { status: 200 };
  }

  const ADD_RESULT_MESSAGES = {
    default: 'An unknown error occupied while adding a participant',
    isGroupEmpty: "AddParticipantsError: The participant can't be added to an empty group",
    iAmNotAdmin: 'AddParticipantsError: You have no admin rights to add a participant to a group',
    200: 'The participant was added successfully',
    403: 'The participant can be added by sending private invitation only',
    404: 'The phone number is not registered on WhatsApp',
    408: 'You cannot add this participant because they recently left the group',
    409: 'The participant is already a group member',
    417: "The participant can't be added to the community. You can invite them privately to join this group through its invite link",
    419: "The participant can't be added because the group is full",
  };

  /** WWebJS.getAddParticipantsRpcResult: the add IQ for one participant. */
  async function addParticipantRpc(groupWid, participantWid) {
    const toJid = mod('WAWebWidToJid');
    const result = { name: undefined, code: undefined, inviteV4Code: undefined, inviteV4CodeExp: undefined };
    let rpc;
    let mixins;
    try {
      rpc = await mod('WASmaxGroupsAddParticipantsRPC').sendAddParticipantsRPC({
        participantArgs: [{ participantJid: toJid.widToUserJid(participantWid) }],
        iqTo: toJid.widToGroupJid(groupWid),
      });
      mixins = rpc.value.addParticipant[0]
        .addParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup
        .value.addParticipantsParticipantMixins;
    } catch (_err) {
      result.code = 400;
      return result;
    }
    if (rpc.name === 'AddParticipantsResponseSuccess') {
      result.name = mixins && mixins.name;
      result.code = +((mixins && mixins.value.error) || '200');
      result.inviteV4Code = mixins && mixins.value.addRequestCode;
      const expiration = mixins && mixins.value.addRequestExpiration;
      result.inviteV4CodeExp = expiration == null ? undefined : expiration.toString();
    } else if (rpc.name === 'AddParticipantsResponseClientError') {
      result.code = +rpc.value.errorAddParticipantsClientErrors.value.code;
    } else if (rpc.name === 'AddParticipantsResponseServerError') {
      result.code = +rpc.value.errorServerErrors.value.code;
    }
    return result;
  }

  /** Sends the private invitation (groups_v4_invite) a participant's privacy asks for. */
  async function sendInvitation(group, participantWid, rpc, comment) {
    Collections().Contact.gadd(participantWid, { silent: true });
    if (rpc.name !== 'ParticipantRequestCodeCanBeSent') return false;
    const chat = Collections().Chat.get(participantWid) || (await Collections().Chat.find(participantWid));
    if (!chat) return false;
    const sent = await mod('WAWebChatSendMessages').sendGroupInviteMessage(
      chat,
      group.id._serialized,
      group.formattedTitle || group.name,
      rpc.inviteV4Code,
      rpc.inviteV4CodeExp,
      comment,
      await wagw.media.profilePicThumbBase64(group.id),
    );
    return sent.messageSendResult === 'OK';
  }

  // GroupChat.addParticipants: per participant {code, message, isInviteV4Sent}, or an error text.
  wagw.register('group.addParticipants', async ({ chatId, participantIds, options }) => {
    const { sleep = [250, 500], autoSendInviteV4 = true, comment = '' } = options || {};
    const group = await findGroup(chatId);
    await mod('WAWebGroupQueryJob').queryAndUpdateGroupMetadataById({ id: chatId });
    const metadata = group.groupMetadata;
    if (!metadata || !metadata.participants) return ADD_RESULT_MESSAGES.isGroupEmpty;
    if (!group.iAmAdmin()) return ADD_RESULT_MESSAGES.iAmNotAdmin;

    const results = {};
    const wids = participantIds.map(createWid);
    for (const [index, requested] of wids.entries()) {
      const id = requested._serialized;
      const wid = requested.server === 'lid' ? mod('WAWebApiContact').getPhoneNumber(requested) : requested;
      const result = { code: undefined, message: undefined, isInviteV4Sent: false };
      results[id] = result;
      if (metadata.participants.get(id)) {
        result.code = 409;
      } else if (!((await mod('WAWebQueryExistsJob').queryWidExists(wid)) || {}).wid) {
        result.code = 404;
      } else {
        const rpc = await addParticipantRpc(group.id, wid);
        result.code = rpc.code;
        if (autoSendInviteV4 && rpc.code === 403) {
          result.isInviteV4Sent = await sendInvitation(group, wid, rpc, comment);
        }
      }
      result.message = ADD_RESULT_MESSAGES[result.code] || ADD_RESULT_MESSAGES.default;
      await pauseBetween(sleep, index, wids.length);
    }
    return results;
  });

  wagw.register('group.removeParticipants', ({ chatId, participantIds }) =>
    modifyParticipants(chatId, participantIds, 'removeParticipants'));
  wagw.register('group.promoteParticipants', ({ chatId, participantIds }) =>
    modifyParticipants(chatId, participantIds, 'promoteParticipants'));
  wagw.register('group.demoteParticipants', ({ chatId, participantIds }) =>
    modifyParticipants(chatId, participantIds, 'demoteParticipants'));

  wagw.register('group.find', async ({ chatId }) => {
    await findGroup(chatId);
    return true;
  });

  wagw.register('group.getClassInfo', async ({ chatId }) => wagw.models.chat(await findGroup(chatId)));

  // GroupChat.getInviteCode: undefined when the server refuses (not an admin).
  wagw.register('group.getInviteCode', async ({ chatId }) => {
    const group = await findGroup(chatId);
    try {
      const answer = await mod('WAWebMexFetchGroupInviteCodeJob').fetchMexGroupInviteCode(group.id._serialized);
      return answer && answer.code ? answer.code : answer;
    } catch (err) {
      if (isServerError(err)) return undefined;
      throw err;
    }
  });

  wagw.register('group.revokeInvite', async ({ chatId }) => {
    const group = await findGroup(chatId);
    const answer = await mod('WAWebGroupQueryJob').resetGroupInviteCode(group.id);
    return answer.code;
  });

  // GroupChat.leave answers nothing.
  wagw.register('group.leave', async ({ chatId }) => {
    await mod('WAWebExitGroupAction').sendExitGroup(await findGroup(chatId));
  });

  /** Runs a group info change; false when the server refuses it, as whatsapp-web.js does. */
  async function serverAccepts(change) {
    try {
      await change();
      return true;
    } catch (err) {
      if (isServerError(err)) return false;
      throw err;
    }
  }

  wagw.register('group.setSubject', async ({ chatId, subject }) => {
    const group = await findGroup(chatId);
    if (typeof subject !== 'string') throw wagw.fail(400, 'subject must be a string');
    return serverAccepts(() => mod('WAWebGroupModifyInfoJob').setGroupSubject(group.id, subject));
  });

  wagw.register('group.setDescription', async ({ chatId, description }) => {
    const group = await findGroup(chatId);
    if (typeof description !== 'string') throw wagw.fail(400, 'description must be a string');
    const previousId = group.groupMetadata.descId;
    const newId = await mod('WAWebMsgKey').newId();
    return serverAccepts(() =>
      mod('WAWebGroupModifyInfoJob').setGroupDescription(group.id, description, newId, previousId));
  });

  async function setProperty(chatId, property, adminsOnly) {
    const group = await findGroup(chatId);
    const value = adminsOnly === undefined || adminsOnly ? 1 : 0;
    return serverAccepts(() => mod('WAWebSetPropertyGroupAction').setGroupProperty(group, property, value));
  }

  wagw.register('group.setInfoAdminsOnly', ({ chatId, adminsOnly }) => setProperty(chatId, 'restrict', adminsOnly));
  wagw.register('group.setMessagesAdminsOnly', ({ chatId, adminsOnly }) => setProperty(chatId, 'announcement', adminsOnly));

  // WWebJS.setPicture: a 96 px thumbnail and a 640 px picture, if the account may set it.
  wagw.register('group.setPicture', async ({ chatId, pictureMimeType, pictureData }) => {
    const group = await findGroup(chatId);
    const media = { mimetype: pictureMimeType, data: pictureData };
    const thumbnail = await wagw.media.squareJpeg(media, 96);
    const picture = await wagw.media.squareJpeg(media, 640);
    const thumbs = Collections().ProfilePicThumb;
    try {
      const thumb = thumbs.get(group.id) || (await thumbs.find(group.id));
      if (!thumb || !thumb.canSet()) return false;
      const answer = await mod('WAWebContactProfilePicThumbBridge').sendSetPicture(group.id, thumbnail, picture);
      return answer ? answer.status === 200 : false;
    } catch (err) {
      if (isServerError(err)) return false;
      throw err;
    }
  });

  // WWebJS.deletePicture: nothing when there is no picture the account may delete.
  wagw.register('group.deletePicture', async ({ chatId }) => {
    const group = await findGroup(chatId);
    try {
      const thumbs = Collections().ProfilePicThumb;
      const thumb = thumbs.get(group.id) || (await thumbs.find(group.id));
      if (!thumb || !thumb.canDelete()) return undefined;
      const answer = await mod('WAWebContactProfilePicThumbBridge').requestDeletePicture(group.id);
      return answer ? answer.status === 200 : false;
    } catch (err) {
      if (isServerError(err)) return false;
      throw err;
    }
  });

  wagw.register('group.getGroupMembershipRequests', async ({ chatId }) => {
    const group = await findGroup(chatId);
    return mod('WAWebApiMembershipApprovalRequestStore').getMembershipApprovalRequests(group.id);
  });

  const MEMBERSHIP_ERRORS = {
    400: 'ParticipantNotFoundError',
    401: 'ParticipantNotAuthorizedError',
    403: 'ParticipantForbiddenError',
    404: 'ParticipantRequestNotFoundError',
    408: 'ParticipantTemporarilyBlockedError',
    409: 'ParticipantConflictError',
    412: 'ParticipantParentLinkedGroupsResourceConstraintError',
    500: 'ParticipantResourceConstraintError',
  };

  // WWebJS.membershipRequestAction: one request per requester, [{requesterId, error?, message}].
  wagw.register('group.membershipRequestAction', async ({ chatId, action, options }) => {
    const { requesterIds = null, sleep = [250, 500] } = options || {};
    const group = await findGroup(chatId);
    const approve = action === 'Approve';
    await mod('WAWebGroupQueryJob').queryAndUpdateGroupMetadataById({ id: chatId });
    const requesters = requesterIds && requesterIds.length
      ? (Array.isArray(requesterIds) ? requesterIds : [requesterIds]).map(createWid)
      : group.groupMetadata.membershipApprovalRequests.getModelsArray().map((request) => request.id);
    const toJid = mod('WAWebWidToJid');
    const groupJid = toJid.widToGroupJid(group.id);
    const unknownError = `An unknown error occupied while ${approve ? 'approving' : 'rejecting'} the participant membership request`;
    const results = [];
    try {
      for (const [index, requester] of requesters.entries()) {
        const participant = { participantArgs: [{ participantJid: toJid.widToUserJid(requester) }] };
        const response = await mod('WASmaxGroupsMembershipRequestsActionRPC').sendMembershipRequestsActionRPC({
          iqTo: groupJid,
          [approve ? 'approveArgs' : 'rejectArgs']: participant,
        });
        if (response.name === 'MembershipRequestsActionResponseSuccess') {
          const value = approve ? response.value.membershipRequestsActionApprove : response.value.membershipRequestsActionReject;
          const first = value && value.participant && value.participant[0];
          if (first) {
            const mixins = approve
              ? first.membershipRequestsActionAcceptParticipantMixins
              : first.membershipRequestsActionRejectParticipantMixins;
            const error = mixins && mixins.value && mixins.value.error;
            const requesterId = createWid(first.jid)._serialized;
            results.push(error
              ? { requesterId, error: +error, message: MEMBERSHIP_ERRORS[error] || unknownError }
              : { requesterId, message: `${approve ? 'Approved' : 'Rejected'} successfully` });
          }
        } else {
          const requesterId = mod('WAWebJidToWid').userJidToUserWid(participant.participantArgs[0].participantJid)._serialized;
          results.push({ requesterId, message: 'ServerStatusCodeError' });
        }
        await pauseBetween(sleep, index, requesters.length);
      }
      return results;
    } catch (_err) {
      return [];
    }
  });
})();
