// wa-gateway bridge, media: the media helpers of whatsapp-web.js's WWebJS that several modules
// use (mediaInfoToFile, cropAndResizeImage, getProfilePicThumbToBase64, toStickerData,
// processStickerData and the upload pipeline processMediaData), on `wagw.media`.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);

  /** WWebJS.mediaInfoToFile: MessageMedia JSON ({mimetype, data (base64), filename}) as a File. */
  function mediaInfoToFile({ data, mimetype, filename }) {
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new File([new Blob([bytes], { type: mimetype })], filename, { type: mimetype, lastModified: Date.now() });
  }

  /**
   * WWebJS.cropAndResizeImage with asDataUrl and mimetype image/jpeg: a centred square of
   * `size` px, as a JPEG data URL. Pictures of chats and groups use quality 0.75, channels 1.
   */
  async function squareJpeg(media, size, quality = 0.75) {
    if (!String(media.mimetype).includes('image')) throw wagw.fail(400, 'Media is not an image');
    const img = await new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => reject(wagw.fail(400, 'the picture is not a readable image'));
      image.src = `data:${media.mimetype};base64,${media.data}`;
    });
    const side = Math.min(img.width, img.height);
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    canvas
      .getContext('2d')
      .drawImage(img, Math.floor((img.width - side) / 2), Math.floor((img.height - side) / 2), side, side, 0, 0, size, size);
    return canvas.toDataURL('image/jpeg', quality);
  }

  /** WWebJS.getProfilePicThumbToBase64: the picture of `wid` as base64, or undefined. */
  async function profilePicThumbBase64(wid) {
    const thumb = await mod('WAWebCollections').ProfilePicThumb.find(wid).catch(() => null);
    if (!thumb || !thumb.img) return undefined;
    try {
      const response = await fetch(thumb.img);
      if (!response.ok) return undefined;
      const blob = await response.blob();
      return await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onloadend = () => resolve(reader.result ? String(reader.result).split(',')[1] : undefined);
        reader.readAsDataURL(blob);
      });
    } catch (_err) {
      return undefined;
    }
  }

  async function fileHash(file) {
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return btoa(String.fromCharCode(...new Uint8Array(digest)));
  }

  function randomText(length) {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += chars.charAt(Math.floor(Math.random() * chars.length));
    return out;
  }

  /** WWebJS.toStickerData (Util.formatToWebpSticker for images): non-webp images become webp. */
  async function toStickerData(media) {
    if (media.mimetype === 'image/webp') return media;
    if (!String(media.mimetype).startsWith('image/')) {
      throw wagw.fail(400, 'only images can be sent as stickers');
    }
    const webp = await mod('WAWebImageUtils').toWebpSticker(mediaInfoToFile(media));
    const bytes = new Uint8Array(await webp.arrayBuffer());
    return { mimetype: 'image/webp', data: mod('WABase64').encodeB64(bytes) };
  }

  /** WWebJS.processStickerData: a webp sticker, encrypted and uploaded. */
  async function processStickerData(media) {
    const file = mediaInfoToFile(media);
    const filehash = await fileHash(file);
    const uploaded = await mod('WAWebUploadManager').encryptAndUpload({
      blob: file,
      type: 'sticker',
      signal: new AbortController().signal,
      mediaKey: randomText(32),
      uploadQpl: mod('WAWebStartMediaUploadQpl').startMediaUploadQpl({ entryPoint: 'MediaUpload' }),
    });
    return Object.assign({}, uploaded, {
      clientUrl: uploaded.url,
      deprecatedMms3Url: uploaded.url,
      uploadhash: uploaded.encFilehash,
      size: file.size,
      type: 'sticker',
      filehash,
    });
  }

  /** WWebJS.generateWaveform: 64 samples of a voice note, or undefined. */
  async function waveformOf(file) {
    try {
      const buffer = await new AudioContext().decodeAudioData(await file.arrayBuffer());
      const raw = buffer.getChannelData(0);
      const blockSize = Math.floor(raw.length / 64);
      const blocks = [];
      for (let i = 0; i < 64; i++) {
        let sum = 0;
        for (let j = 0; j < blockSize; j++) sum += Math.abs(raw[blockSize * i + j]);
        blocks.push(sum / blockSize);
      }
      const scale = Math.pow(Math.max(...blocks), -1);
      return new Uint8Array(blocks.map((n) => Math.floor(100 * n * scale)));
    } catch (_err) {
      return undefined;
    }
  }

  /**
   * WWebJS.processMediaData: prepare, store and upload; returns the media data model. Channel
   * media is uploaded unencrypted and carries the upload's handle (`mediaHandle`).
   */
  async function processMediaData(media, { forceSticker, forceGif, forceVoice, forceDocument, forceMediaHd, sendToChannel }) {
    const file = mediaInfoToFile(media);
    const OpaqueData = mod('WAWebMediaOpaqueData');
    const opaqueData = await OpaqueData.createFromData(file, media.mimetype);
    const mediaParams = { asSticker: forceSticker, asGif: forceGif, isPtt: forceVoice, asDocument: forceDocument };
    if (forceMediaHd && file.type.indexOf('image/') === 0) mediaParams.maxDimension = 2560;
    const mediaData = await mod('WAWebPrepRawMedia').prepRawMedia(opaqueData, mediaParams).waitForPrep();
    const mediaObject = mod('WAWebMediaStorage').getOrCreateMediaObject(mediaData.filehash);
    const MediaTypes = mod('WAWebMmsMediaTypes');
    const mediaType = MediaTypes.msgToMediaType({ type: mediaData.type, isGif: mediaData.isGif, isNewsletter: sendToChannel });
    if (!mediaData.filehash) throw new Error('media-fault: sendToChat filehash undefined');
    if (forceVoice && mediaData.type === 'ptt') {
      mediaData.waveform = mediaObject.contentInfo.waveform || (await waveformOf(file));
    }
    if (!(mediaData.mediaBlob instanceof OpaqueData)) {
      mediaData.mediaBlob = await OpaqueData.createFromData(mediaData.mediaBlob, mediaData.mediaBlob.type);
    }
    mediaData.renderableUrl = mediaData.mediaBlob.url();
    mediaObject.consolidate(mediaData.toJSON());
    mediaData.mediaBlob.autorelease();
    if (mod('WAWebMediaDataUtils').shouldUseMediaCache(MediaTypes.castToV4(mediaObject.type))) {
      mod('WAWebMediaInMemoryBlobCache').InMemoryMediaBlobCache.put(mediaObject.filehash, mediaData.mediaBlob.formData());
    }
    const upload = mod('WAWebMediaMmsV4Upload');
    const toUpload = { mimetype: mediaData.mimetype, mediaObject, mediaType };
    const uploaded = sendToChannel
      ? await upload.uploadUnencryptedMedia(Object.assign(toUpload, { calculateToken: mod('WAMediaCalculateFilehash').getRandomFilehash }))
      : await upload.uploadMedia(toUpload);
    const entry = uploaded.mediaEntry;
    if (!entry) throw new Error('upload failed: media entry was not created');
    mediaData.set({
      clientUrl: entry.mmsUrl,
      deprecatedMms3Url: entry.deprecatedMms3Url,
      directPath: entry.directPath,
      mediaKey: entry.mediaKey,
      mediaKeyTimestamp: entry.mediaKeyTimestamp,
      filehash: mediaObject.filehash,
      encFilehash: entry.encFilehash,
      uploadhash: entry.uploadHash,
      size: mediaObject.size,
      streamingSidecar: entry.sidecar,
      firstFrameSidecar: entry.firstFrameSidecar,
      mediaHandle: sendToChannel ? entry.handle : null,
    });
    return mediaData;
  }

  wagw.media = { mediaInfoToFile, squareJpeg, profilePicThumbBase64, toStickerData, processStickerData, processMediaData };
})();
