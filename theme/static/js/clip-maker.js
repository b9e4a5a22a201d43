/* The visitor's own clip, made in the browser from byte ranges of a published rendition.

   Mediabunny (vendored, passed in as `mb`) reads the MP4, decodes and encodes through WebCodecs
   and writes the new MP4; this module only decides which bytes, frames and packets to take:

   - video, where the browser can encode H.264: every frame of the selection is decoded and
     re-encoded, so the clip starts and ends on the exact frames chosen;
   - video, where it cannot: whole GOPs are copied (the renditions have a keyframe every 2 s),
     so the clip grows outward to the keyframes around the selection, and says so;
   - audio, always copied as whole AAC frames (this Chromium has no AAC encoder), one frame of
     decoder warm-up included before the in point and cut off by the MP4 edit list that
     Mediabunny writes for the negative start time.

   Bytes come through `RangeReader`: bounded HTTP Range requests of about half a second of media
   each, so what crosses the network stays close to the clip's share of the file (Mediabunny's
   own UrlSource prefetches up to 8 MiB ahead, more than a whole short clip).

   Where the rendition is also a rung of the adaptive stream, the clip is read from those files
   instead (the same encode, as fragmented MP4: video and audio apart): an MP4 reader must read
   a progressive file's whole index before its first frame, a fixed cost per minute of video
   (0.46 MB for ten minutes at 720p), where a fragmented file has a small index per fragment. */

const MIN_BLOCK_BYTES = 64 * 1024;
// A fragmented file's index is read in small pieces at both ends (its init segment, then the
// `mfra` at its end): smaller blocks there, or they cost more than the clip's own fragments.
const MIN_FRAGMENTED_BLOCK_BYTES = 16 * 1024;
const BLOCK_SECONDS = 0.5;
const KEPT_BLOCKS = 12;

/** An error the visitor can act on; `code` picks the translated message in the page. */
export class ClipError extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

/** Reads one file over HTTP ranges, in blocks on a fixed grid, counting what it fetched.

    The grid matters: audio and video are interleaved, so two readers ask for nearby bytes;
    blocks aligned on the grid are fetched once each (contiguous missing blocks in one
    request), kept while in use, and never overlap.

    `locate(fresh)` gives the file's URL; with `fresh`, a new one (a signed link may expire
    while a long clip is being made: a refused read asks for a new link, then retries once). */
export class RangeReader {
  constructor({ locate, size, bytesPerSecond, signal, minBlockBytes = MIN_BLOCK_BYTES }) {
    this.locate = locate;
    this.size = size;
    this.blockBytes = Math.max(minBlockBytes, Math.round(bytesPerSecond * BLOCK_SECONDS));
    this.signal = signal;
    this.blocks = new Map(); // block index -> Promise<Uint8Array>, in order of last use
    this.fetchedBytes = 0;
    this.requests = 0;
    this.url = null;
  }

  /** The bytes [start, end) of the file. */
  async read(start, end) {
    const first = Math.floor(start / this.blockBytes);
    const last = Math.floor((end - 1) / this.blockBytes);
    let missingFrom = null;
    for (let index = first; index <= last + 1; index += 1) {
      const missing = index <= last && !this.blocks.has(index);
      if (missing && missingFrom === null) missingFrom = index;
      if (!missing && missingFrom !== null) {
        this.fetchBlocks(missingFrom, index - 1);
        missingFrom = null;
      }
    }
    const parts = [];
    for (let index = first; index <= last; index += 1) {
      const block = this.blocks.get(index);
      this.blocks.delete(index); // re-inserted: the Map's order is the order of use
      this.blocks.set(index, block);
      parts.push(block);
    }
    this.forget(last - first + 1);
    const data = await Promise.all(parts);
    if (data.length === 1) {
      const offset = start - first * this.blockBytes;
      return data[0].subarray(offset, offset + end - start);
    }
    const joined = new Uint8Array(end - start);
    data.forEach((block, i) => {
      const blockStart = (first + i) * this.blockBytes;
      const from = Math.max(start, blockStart);
      const to = Math.min(end, blockStart + block.length);
      joined.set(block.subarray(from - blockStart, to - blockStart), from - start);
    });
    return joined;
  }

  /** One request for blocks first..last; each block gets its own slice of the answer. */
  fetchBlocks(first, last) {
    const start = first * this.blockBytes;
    const end = Math.min(this.size, (last + 1) * this.blockBytes);
    const whole = this.fetchRange(start, end);
    whole.catch(() => {}); // awaited through the blocks below; never unhandled
    for (let index = first; index <= last; index += 1) {
      const from = (index - first) * this.blockBytes;
      const block = whole.then((data) => data.subarray(from, from + this.blockBytes));
      block.catch(() => {});
      this.blocks.set(index, block);
    }
  }

  /** Drop the least recently used blocks beyond what the two readers need. */
  forget(inUse) {
    const keep = Math.max(KEPT_BLOCKS, inUse);
    for (const index of this.blocks.keys()) {
      if (this.blocks.size <= keep) break;
      this.blocks.delete(index);
    }
  }

  async fetchRange(start, end) {
    for (let attempt = 0; ; attempt += 1) {
      if (this.url === null || attempt > 0) this.url = await this.locate(attempt > 0);
      let response;
      try {
        this.requests += 1;
        response = await fetch(this.url, {
          headers: { Range: `bytes=${start}-${end - 1}` },
          signal: this.signal,
          credentials: "omit",
        });
      } catch (error) {
        if (this.signal.aborted) throw error;
        if (attempt > 0) throw new ClipError("network", error.message); // offline: say so
        continue; // one retry after a network error, with a fresh link
      }
      if (response.status === 206) {
        const body = await response.arrayBuffer().catch((error) => {
          if (this.signal.aborted) throw error;
          throw new ClipError("network", error.message); // the connection dropped mid-read
        });
        const data = new Uint8Array(body);
        this.fetchedBytes += data.byteLength;
        if (data.byteLength !== end - start) throw new ClipError("network", "short read");
        return data;
      }
      await response.body?.cancel();
      if (response.status === 200) throw new ClipError("no_ranges");
      if (attempt > 0) throw new ClipError("network", `HTTP ${response.status}`);
    }
  }
}

/** Whether this browser can encode H.264 at the rendition's size (else: whole GOPs). */
export async function canEncode(mb, rendition) {
  try {
    return await mb.canEncodeVideo("avc", {
      width: rendition.width,
      height: rendition.height,
      bitrate: encodeBitrate(rendition),
      frameRate: rendition.fps,
    });
  } catch {
    return false;
  }
}

/** The re-encode's bit rate: above the rendition's own, so the copy stays close to it. */
function encodeBitrate(rendition) {
  const floor = rendition.width * rendition.height * rendition.fps * 0.08;
  return Math.round(Math.max(rendition.videoBitrate * 1.5, floor));
}

/** The keyframe-aligned range that a copy-only clip really covers: [in, out) in frames. */
async function gopRange(sink, fps, inFrame, outFrame, lastFrame) {
  const options = { verifyKeyPackets: true };
  const frameOf = (packet) => Math.round(packet.timestamp * fps);
  const first = await sink.getKeyPacket((inFrame + 0.5) / fps, options);
  let next = await sink.getKeyPacket((outFrame - 0.5) / fps, options);
  while (next && frameOf(next) < outFrame) next = await sink.getNextKeyPacket(next, options);
  return { first, next, inFrame: frameOf(first), outFrame: next ? frameOf(next) : lastFrame };
}

/** Make the clip [inFrame, outFrame) of `rendition`; resolves to the file and what it holds.

    `rendition`: { locate(fresh), bytes, duration, width, height, fps, videoBitrate,
    fragmented: null or { video: { url, bytes }, audio: { url, bytes } } };
    `mode`: "encode" (frame-exact) or "copy" (whole GOPs); `metadata`: MP4 tags
    ({ title, comment, date }); `onProgress(done)` gets the share done, 0..1; `signal` cancels. */
export async function makeClip(mb, job) {
  if (!job.rendition.fragmented) return makeFrom(mb, job);
  try {
    return await makeFrom(mb, job);
  } catch (error) {
    // The stream's files could not be read (missing, refused, unreadable): the progressive
    // file is the same encode, so the clip is made from it instead, only a little dearer.
    if (job.signal.aborted || error?.name === "AbortError") throw error;
    job.onProgress(0);
    return makeFrom(mb, { ...job, rendition: { ...job.rendition, fragmented: null } });
  }
}

async function makeFrom(mb, { rendition, inFrame, outFrame, mode, metadata, onProgress, signal }) {
  const fps = rendition.fps;
  const files = rendition.fragmented
    ? [rendition.fragmented.video, rendition.fragmented.audio].map((part) => ({
        locate: async () => new URL(part.url, window.location.href).href,
        bytes: part.bytes,
        minBlockBytes: MIN_FRAGMENTED_BLOCK_BYTES,
      }))
    : [{ locate: rendition.locate, bytes: rendition.bytes, minBlockBytes: MIN_BLOCK_BYTES }];
  const readers = files.map(
    (file) =>
      new RangeReader({
        locate: file.locate,
        size: file.bytes,
        bytesPerSecond: file.bytes / rendition.duration,
        minBlockBytes: file.minBlockBytes,
        signal,
      }),
  );
  const inputs = readers.map(
    (reader, index) =>
      new mb.Input({
        source: new mb.CustomSource({
          getSize: () => files[index].bytes,
          read: (start, end) => reader.read(start, end),
          prefetchProfile: "none",
        }),
        formats: [mb.MP4],
      }),
  );
  const output = new mb.Output({
    format: new mb.Mp4OutputFormat({ fastStart: "in-memory" }),
    target: new mb.BufferTarget(),
  });
  const dispose = () => inputs.forEach((input) => input.dispose());
  const stop = () => {
    void output.cancel().catch(() => {});
    dispose();
  };
  signal.addEventListener("abort", stop, { once: true });
  try {
    const videoTrack = await inputs[0].getPrimaryVideoTrack();
    if (!videoTrack) throw new ClipError("unreadable", "no video track");
    const audioTrack = await inputs[inputs.length - 1].getPrimaryAudioTrack();
    let video;
    if (mode === "encode") {
      video = new FrameEncoder(mb, videoTrack, encodeBitrate(rendition), inFrame, outFrame, fps);
    } else {
      const sink = new mb.EncodedPacketSink(videoTrack);
      const lastFrame = Math.round(rendition.duration * fps);
      const range = await gopRange(sink, fps, inFrame, outFrame, lastFrame);
      video = new PacketCopier(mb, videoTrack, sink, range, fps);
      await video.init();
    }
    output.addVideoTrack(video.source, { frameRate: fps });
    const audio = audioTrack ? new AudioCopier(mb, audioTrack, video.inFrame / fps) : null;
    if (audio) {
      await audio.init();
      output.addAudioTrack(audio.source);
    }
    output.setMetadataTags(metadata);
    await output.start();
    // One loop for both tracks, in time order: in a progressive file the audio for a moment
    // lies next to its video, so both read the same blocks once.
    const total = video.outFrame - video.inFrame;
    for await (const done of video.frames(signal)) {
      if (audio) await audio.until((video.inFrame + done) / fps);
      onProgress(done / total);
    }
    if (signal.aborted) throw new DOMException("cancelled", "AbortError");
    if (audio) {
      await audio.until(video.outFrame / fps);
      audio.source.close();
    }
    video.source.close();
    await output.finalize();
    return {
      blob: new Blob([output.target.buffer], { type: "video/mp4" }),
      inFrame: video.inFrame,
      outFrame: video.outFrame,
      frames: total,
      fetchedBytes: readers.reduce((sum, reader) => sum + reader.fetchedBytes, 0),
      requests: readers.reduce((sum, reader) => sum + reader.requests, 0),
    };
  } catch (error) {
    stop();
    if (signal.aborted) throw new DOMException("cancelled", "AbortError");
    throw error;
  } finally {
    signal.removeEventListener("abort", stop);
    dispose();
  }
}

/** Frame-exact video: each frame of the selection decoded and re-encoded with exact, gap-free
    timestamps from zero. Frames are asked for by their middles, so float rounding of the
    file's time stamps never picks a neighbour. */
class FrameEncoder {
  constructor(mb, track, bitrate, inFrame, outFrame, fps) {
    this.sink = new mb.VideoSampleSink(track);
    this.source = new mb.VideoSampleSource({ codec: "avc", bitrate, keyFrameInterval: 2 });
    Object.assign(this, { inFrame, outFrame, fps });
  }

  async *frames(signal) {
    const { inFrame, outFrame, fps } = this;
    const middles = function* () {
      for (let frame = inFrame; frame < outFrame; frame += 1) yield (frame + 0.5) / fps;
    };
    let done = 0;
    for await (const sample of this.sink.samplesAtTimestamps(middles())) {
      if (signal.aborted) {
        sample?.close();
        return;
      }
      if (!sample) throw new ClipError("unreadable", `frame ${inFrame + done} missing`);
      sample.setTimestamp(done / fps);
      sample.setDuration(1 / fps);
      await this.source.add(sample);
      sample.close();
      done += 1;
      yield done;
    }
  }
}

/** Copy-only video (no H.264 encoder): whole GOPs, from the keyframe at or before the in point
    up to the one at or after the out point, packets untouched. */
class PacketCopier {
  constructor(mb, track, sink, range, fps) {
    this.track = track;
    this.sink = sink;
    this.range = range;
    this.source = new mb.EncodedVideoPacketSource("avc");
    Object.assign(this, { inFrame: range.inFrame, outFrame: range.outFrame, fps });
  }

  async init() {
    this.meta = { decoderConfig: await this.track.getDecoderConfig() };
  }

  async *frames(signal) {
    const start = this.inFrame / this.fps;
    const end = this.range.next;
    let packet = this.range.first;
    let done = 0;
    while (packet && (!end || packet.sequenceNumber < end.sequenceNumber)) {
      if (signal.aborted) return;
      await this.source.add(packet.clone({ timestamp: packet.timestamp - start }), this.meta);
      done = Math.max(done, Math.round(packet.timestamp * this.fps) - this.inFrame + 1);
      yield Math.min(done, this.outFrame - this.inFrame);
      packet = await this.sink.getNextPacket(packet);
    }
  }
}

/** Audio, copied as whole AAC frames from one frame before `start` (decoder warm-up); time
    stamps become relative to `start`, so the first is negative and the MP4 edit list that
    Mediabunny writes hides everything before the in point. Read one packet at a time: no
    read-ahead past the out point. */
class AudioCopier {
  constructor(mb, track, start) {
    this.track = track;
    this.start = start;
    this.sink = new mb.EncodedPacketSink(track);
    this.source = new mb.EncodedAudioPacketSource("aac");
  }

  async init() {
    this.meta = { decoderConfig: await this.track.getDecoderConfig() };
    const first = await this.sink.getPacket(this.start);
    this.packet = first
      ? ((await this.sink.getPacket(first.timestamp - first.duration / 2)) ?? first)
      : await this.sink.getFirstPacket();
  }

  /** Add every packet that starts before `time` (seconds in the source). */
  async until(time) {
    while (this.packet && this.packet.timestamp < time - 1e-6) {
      const relative = this.packet.timestamp - this.start;
      await this.source.add(this.packet.clone({ timestamp: relative }), this.meta);
      this.packet = await this.sink.getNextPacket(this.packet);
    }
  }
}
