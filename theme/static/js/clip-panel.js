/* "Make your own clip" (issue 15), the panel: in and out points in the player (buttons, keys,
   typed time codes, the shot list, a timeline with handles), frame stepping, a loop preview, a
   link that carries the selection as a media fragment (#t=12.48,24.96), and the clip itself,
   made by clip-maker.js with the vendored Mediabunny. clip.js, which every video page loads,
   imports this module when the visitor first asks for it; the maker and Mediabunny come later
   still, when the panel opens.

   A selection is a range of frames [in, out): `in` is the first frame of the clip, `out` the
   first frame after it, so out - in frames and (out - in) / fps seconds. */

/** "00:01:12.48": hours, minutes, seconds and hundredths of the start of `frame`. */
export function formatTime(frame, fps) {
  const centis = Math.round((frame / fps) * 100);
  const pad = (n) => String(n).padStart(2, "0");
  const seconds = Math.floor(centis / 100);
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}.${pad(centis % 100)}`;
}

/** The frame a typed time code names, or null: "00:01:12.48", "1:12.48", "72.48", "72,48",
    or with frames, "00:01:12:12". Hundredths round to the nearest frame. */
export function parseTime(text, fps) {
  const value = String(text).trim().replace(",", ".");
  if (!/^\d+(:\d+){0,3}(\.\d+)?$/.test(value)) return null;
  const parts = value.split(":");
  let frames = 0;
  if (parts.length === 4) {
    if (parts[3].includes(".")) return null;
    frames = Number(parts.pop());
    if (frames >= fps) return null;
  }
  const [head, ...rest] = parts.map(Number);
  if (rest.some((n) => n >= 60)) return null;
  const seconds = rest.reduce((total, n) => total * 60 + n, head);
  // the frame on screen at that time: 12.5 s at 25 fps is frame 312 (12.48 to 12.52)
  return Math.floor(seconds * fps + 1e-6) + frames;
}

/** "12.48", "12", "12.5": seconds as media fragments write them, rounded up to the hundredth
    so that they fall inside the frame (which `parseTime` reads back), at any rate below 100. */
function fragmentSeconds(frame, fps) {
  return String(Math.ceil((frame / fps) * 100 - 1e-6) / 100);
}

/** The media fragment of a selection: "t=12.48,24.96". */
export function fragment(inFrame, outFrame, fps) {
  return `t=${fragmentSeconds(inFrame, fps)},${fragmentSeconds(outFrame, fps)}`;
}

/** The selection a URL's fragment carries ("#t=12.48,24.96", "#t=npt:0:12.48,0:24.96"), as
    frames, or null. */
export function parseFragment(hash, fps) {
  const match = /(?:^#|&)t=(?:npt:)?([\d:.]*)(?:,([\d:.]+))?(?:&|$)/.exec(hash);
  if (!match) return null;
  const inFrame = match[1] ? parseTime(match[1], fps) : 0;
  const outFrame = match[2] ? parseTime(match[2], fps) : null;
  if (inFrame === null || (match[2] && outFrame === null)) return null;
  return { inFrame, outFrame };
}

/** "000012.48": a time code fit for a file name (ISO 8601 basic format, hhmmss.ss). */
export function fileTime(frame, fps) {
  return formatTime(frame, fps).replaceAll(":", "");
}

/** Wire the panel of `root` to the player; returns what clip.js drives: opening and closing,
    the shot list's In and Out buttons, and links with a selection. */
export function setUp(root, player) {
  const data = JSON.parse(root.querySelector(".clip-data").textContent);
  const words = JSON.parse(root.querySelector(".clip-words").textContent);
  const locale = root.dataset.locale || document.documentElement.lang;
  const fps = data.fps;
  const total = data.frames;
  const maxSeconds = Number(root.dataset.maxSeconds);
  const maxFrames = maxSeconds > 0 ? Math.min(total, Math.round(maxSeconds * fps)) : total;
  const gopFrames = Math.round(data.keyframe_interval_s * fps);
  const $ = (selector) => root.querySelector(selector);
  const panel = $(".clip-panel");
  const toggleButton = $(".clip-toggle");
  const inputs = { in: $("#clip-in"), out: $("#clip-out") };
  const makeButton = $(".clip-make");
  const cancelButton = $(".clip-cancel");
  const previewButton = $("[data-action=preview]");
  const status = $(".clip-status");
  const notice = $(".clip-notice");
  const result = $(".clip-result");

  const say = (key, values = {}) =>
    words[key].replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : `{${name}}`));
  const time = (frame) => formatTime(frame, fps);
  const plural = new Intl.PluralRules(locale);
  const frameCount = (count) =>
    say(plural.select(count) === "one" ? "frames_one" : "frames_other", {
      count: new Intl.NumberFormat(locale).format(count),
    });
  // "14,48 s", "1 min", "1 min 14,48 s": a whole minute has no "0 s" (rounded to the
  // hundredth first, so 59.996 s reads "1 min", not "60 s"), as the server's format_duration.
  const duration = (frames) => {
    const hundredths = Math.round((frames / fps) * 100);
    const minutes = Math.floor(hundredths / 6000);
    const restHundredths = hundredths - minutes * 6000;
    const rest = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(restHundredths / 100);
    if (!minutes) return `${rest}\u00a0s`;
    return restHundredths ? `${minutes}\u00a0min\u00a0${rest}\u00a0s` : `${minutes}\u00a0min`;
  };
  const size = (bytes) => {
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < words.units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    const digits = unit === 0 ? 0 : 1;
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value)}\u00a0${words.units[unit]}`;
  };

  const state = { inFrame: 0, outFrame: Math.min(total, maxFrames), previewing: false, job: null };
  const objectUrls = [];
  let signedIn = null;
  let tools = null;

  /* ---- The selection ---- */

  function select(inFrame, outFrame, moved) {
    state.inFrame = inFrame;
    state.outFrame = outFrame;
    inputs.in.value = time(inFrame);
    inputs.out.value = time(outFrame);
    inputs.in.removeAttribute("aria-invalid");
    inputs.out.removeAttribute("aria-invalid");
    const frames = outFrame - inFrame;
    const summary = say("summary", {
      in: time(inFrame),
      out: time(outFrame),
      duration: duration(frames),
      frames: frameCount(frames),
    });
    $(".clip-summary").textContent = moved ? `${summary} ${moved}` : summary;
    history.replaceState(history.state, "", `#${fragment(inFrame, outFrame, fps)}`);
    updateLoginLink();
    drawTimeline();
    describeMode();
  }

  /** The selection with `frame` as its in point and `outFrame` as its out point, the out point
      moved when the selection would be empty or too long, and what to say of that move. */
  function withIn(frame, outWanted) {
    const inFrame = clamp(frame, 0, total - 1);
    let outFrame = outWanted;
    let moved = "";
    if (outFrame <= inFrame) {
      outFrame = Math.min(total, inFrame + Math.min(maxFrames, 10 * Math.round(fps)));
      moved = say("moved_out", { time: time(outFrame) });
    } else if (outFrame - inFrame > maxFrames) {
      outFrame = inFrame + maxFrames;
      moved = `${say("limit", { max: duration(maxFrames) })} ${say("moved_out", { time: time(outFrame) })}`;
    }
    return [inFrame, outFrame, moved];
  }

  /** Move the in point; the out point follows when the selection would be empty or too long. */
  function setIn(frame) {
    select(...withIn(frame, state.outFrame));
  }

  /** Move the out point; the in point follows when the selection would be empty or too long. */
  function setOut(frame) {
    const outFrame = clamp(frame, 1, total);
    let inFrame = state.inFrame;
    let moved = "";
    if (inFrame >= outFrame) {
      inFrame = Math.max(0, outFrame - Math.min(maxFrames, 10 * Math.round(fps)));
      moved = say("moved_in", { time: time(inFrame) });
    } else if (outFrame - inFrame > maxFrames) {
      inFrame = outFrame - maxFrames;
      moved = `${say("limit", { max: duration(maxFrames) })} ${say("moved_in", { time: time(inFrame) })}`;
    }
    select(inFrame, outFrame, moved);
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  /* ---- The player ---- */

  /** The frame on screen: the player's time, nudged so a time on a frame's start is that frame. */
  function currentFrame() {
    return clamp(Math.floor(player.currentTime * fps + 1e-3), 0, total - 1);
  }

  /** Show `frame`, paused. Aim at its middle, so rounding never shows a neighbour. */
  function showFrame(frame) {
    stopPreview();
    player.pause();
    player.currentTime = (clamp(frame, 0, total - 1) + 0.5) / fps;
  }

  function startPreview() {
    state.previewing = true;
    previewButton.setAttribute("aria-pressed", "true");
    player.currentTime = (state.inFrame + 0.5) / fps;
    const playing = player.play();
    if (playing) playing.catch(() => stopPreview());
    watchPreview();
  }

  function stopPreview() {
    state.previewing = false;
    previewButton.setAttribute("aria-pressed", "false");
  }

  /** Back to the in point as soon as the out point is on screen, frame by frame when the
      browser tells us about frames, else at each time update. */
  function watchPreview() {
    const check = () => {
      if (!state.previewing) return;
      if (currentFrame() >= state.outFrame || currentFrame() < state.inFrame) {
        player.currentTime = (state.inFrame + 0.5) / fps;
      }
      if (player.requestVideoFrameCallback) player.requestVideoFrameCallback(check);
    };
    if (player.requestVideoFrameCallback) player.requestVideoFrameCallback(check);
    else player.addEventListener("timeupdate", check);
  }

  player.addEventListener("pause", () => {
    if (state.previewing && !player.seeking) stopPreview();
  });

  /* ---- The timeline ---- */

  const track = $(".clip-timeline");
  function drawTimeline() {
    const at = (frame) => `${(frame / total) * 100}%`;
    const range = $(".clip-range");
    range.style.left = at(state.inFrame);
    range.style.width = at(state.outFrame - state.inFrame);
    $(".clip-handle-in").style.left = at(state.inFrame);
    $(".clip-handle-out").style.left = at(state.outFrame);
  }
  function drawPlayhead() {
    $(".clip-playhead").style.left = `${(player.currentTime / (total / fps)) * 100}%`;
    $(".clip-current").textContent = time(currentFrame());
  }
  ["timeupdate", "seeked", "loadedmetadata"].forEach((name) => player.addEventListener(name, drawPlayhead));

  /** Drag a handle to move its point, or press the track to show that moment. */
  track.addEventListener("pointerdown", (event) => {
    const box = track.getBoundingClientRect();
    const frameAt = (x) => clamp(Math.round(((x - box.left) / box.width) * total), 0, total);
    const handle = event.target.closest("[data-handle]")?.dataset.handle;
    track.setPointerCapture(event.pointerId);
    const move = (e) => {
      const frame = frameAt(e.clientX);
      if (handle === "in") {
        setIn(frame);
        showFrame(state.inFrame);
      } else if (handle === "out") {
        setOut(frame);
        showFrame(state.outFrame - 1);
      } else {
        showFrame(frame);
      }
    };
    move(event);
    const up = () => {
      track.removeEventListener("pointermove", move);
      track.removeEventListener("pointerup", up);
      track.removeEventListener("pointercancel", up);
    };
    track.addEventListener("pointermove", move);
    track.addEventListener("pointerup", up);
    track.addEventListener("pointercancel", up);
  });

  /* ---- Buttons, keys, typed time codes, the shot list ---- */

  const actions = {
    "set-in": () => setIn(currentFrame()),
    "set-out": () => setOut(currentFrame() + 1),
    "go-in": () => showFrame(state.inFrame),
    "go-out": () => showFrame(state.outFrame - 1),
    "frame-back": () => showFrame(currentFrame() - 1),
    "frame-next": () => showFrame(currentFrame() + 1),
    preview: () => (state.previewing ? player.pause() : startPreview()),
  };
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button) actions[button.dataset.action]();
  });

  /* Single-letter keys act only while the player or this panel has the focus, and never in a
     text field (WCAG 2.1.4), so they cannot steal a screen reader's or the page's keys. */
  const keys = { i: "set-in", o: "set-out", ",": "frame-back", ".": "frame-next", p: "preview" };
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || panel.hidden) return;
    if (event.target.matches("input[type=text], textarea")) return;
    const action = keys[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    actions[action]();
  };
  panel.addEventListener("keydown", onKey);
  player.addEventListener("keydown", onKey);

  Object.values(inputs).forEach((input) => {
    const apply = () => {
      const frame = parseTime(input.value, fps);
      const point = input.dataset.point;
      if (frame === null || frame > total || (point === "in" && frame >= total)) {
        input.setAttribute("aria-invalid", "true");
        $(".clip-summary").textContent = words.bad_time;
        return;
      }
      place(point, frame);
    };
    input.addEventListener("change", apply);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        apply();
      }
    });
  });

  /** `frame` becomes the in or the out point, and the player shows that end's frame. */
  function place(point, frame) {
    if (point === "in") {
      setIn(frame);
      showFrame(state.inFrame);
    } else {
      setOut(frame);
      showFrame(state.outFrame - 1);
    }
  }

  /** A shot list button: that shot's time code becomes the in or the out point. */
  function shot(point, seconds) {
    open();
    place(point, Math.round(seconds * fps));
    $(".clip-summary").scrollIntoView({ block: "nearest" });
  }

  $(".clip-share").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      status.textContent = words.copied;
    } catch {
      status.textContent = window.location.href;
    }
  });

  /* ---- Versions, accounts and what this browser can do ---- */

  const selected = () => {
    const preset = root.querySelector("input[name=clip-version]:checked").value;
    return data.renditions.find((r) => r.preset === preset);
  };

  /** A failed fetch or import, as the error the status line names "network". */
  const networkError = (error) =>
    Object.assign(new Error(`network: ${error.message}`), { code: "network" });

  /** Load the maker and Mediabunny once, when first needed. */
  async function loadTools() {
    tools ??= Promise.all([import(root.dataset.mediabunny), import(root.dataset.maker)]).then(
      ([mb, maker]) => ({ mb, maker }),
      (error) => {
        tools = null; // a network hiccup: the next attempt loads them again
        throw networkError(error);
      },
    );
    return tools;
  }

  const modes = new Map();
  /** "encode" where this browser can encode H.264 at the version's size, else "copy". */
  async function modeFor(rendition) {
    const preset = rendition.preset;
    if (!modes.has(preset)) {
      // an encoder that cannot take this rendition means copying; tools that failed to load
      // are no answer (a network hiccup): the next call asks again
      const check = "VideoEncoder" in window
        ? loadTools().then(({ mb, maker }) =>
            maker.canEncode(mb, asRendition(rendition)).catch(() => false))
        : Promise.resolve(false);
      const mode = check.then((yes) => (yes ? "encode" : "copy"));
      mode.catch(() => modes.delete(preset));
      modes.set(preset, mode);
    }
    return modes.get(preset);
  }

  /** The keyframe-aligned range a copy-only clip will really cover (the encodes' GOP grid). */
  function gopRange() {
    const inFrame = Math.floor(state.inFrame / gopFrames) * gopFrames;
    const outFrame = Math.min(total, Math.ceil(state.outFrame / gopFrames) * gopFrames);
    return { inFrame, outFrame };
  }

  async function describeMode() {
    const mode = await modeFor(selected()).catch(() => null);
    if (mode === null) return; // not known yet (offline): said when the clip is made
    const range = gopRange();
    notice.hidden = mode !== "copy";
    notice.textContent = say("copy_notice", {
      gop: data.keyframe_interval_s,
      in: time(range.inFrame),
      out: time(range.outFrame),
    });
  }

  async function checkAccount() {
    if (signedIn === null) {
      try {
        const answer = await fetch("/api/account/me", {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        signedIn = answer.ok;
      } catch {
        signedIn = false;
      }
    }
    root.querySelectorAll("input[data-account]").forEach((radio) => {
      radio.disabled = !signedIn;
    });
    $(".clip-account").hidden = signedIn;
  }

  /** Signing in brings the visitor back to this page with this selection, and so does the
      language switcher, to the same video in the other language (the time fragment is
      the same in every language). */
  function updateLoginLink() {
    const back = `${window.location.pathname}${window.location.hash}`;
    $(".clip-login").search = `?return_to=${encodeURIComponent(back)}`;
    document.querySelectorAll(".lang-switch a[data-lang]").forEach((link) => {
      link.hash = window.location.hash;
    });
  }

  /* Leaving the page (another language, a link) while a clip is being made would drop it
     without a word: the browser asks first. */
  window.addEventListener("beforeunload", (event) => {
    if (state.job) event.preventDefault();
  });

  root.addEventListener("change", (event) => {
    if (event.target.name === "clip-version") describeMode();
  });

  /** What clip-maker.js needs of a version: its size and rates, and where to read it. */
  function asRendition(rendition) {
    return {
      bytes: rendition.bytes,
      duration: rendition.duration_ms / 1000,
      width: rendition.width,
      height: rendition.height,
      fps: rendition.fps,
      videoBitrate: rendition.video_bitrate,
      fragmented: rendition.fragmented,
      locate: rendition.access === "public" ? async () => new URL(rendition.url, window.location.href).href : signedLink(rendition),
    };
  }

  /** A broadcast file is read through a short-lived signed link from the function; a fresh
      one is asked for when the last has expired. */
  function signedLink(rendition) {
    return async () => {
      const answer = await fetch(rendition.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).catch((error) => {
        throw networkError(error);
      });
      if (answer.status === 401) {
        signedIn = false;
        throw new Error("signed_out");
      }
      if (!answer.ok) throw new Error("network");
      return new URL((await answer.json()).url, window.location.href).href;
    };
  }

  /* ---- Making the clip ---- */

  function shortText(rendition, inFrame, outFrame) {
    const date = data.date_text; // as the page writes it (French: "1er octobre")
    const link = new URL(window.location.href);
    link.hash = fragment(inFrame, outFrame, fps);
    return [
      data.title,
      [date, data.location].filter(Boolean).join(" · "),
      say("text_range", {
        in: time(inFrame),
        out: time(outFrame),
        frames: frameCount(outFrame - inFrame),
        fps: new Intl.NumberFormat(locale).format(fps),
      }),
      say("text_version", { version: rendition.label }),
      say("text_credit", { credit: root.dataset.credit }),
      say("text_terms", { terms: data.rights }),
      link.href,
    ].join("\n");
  }

  function busy(job) {
    state.job = job;
    makeButton.disabled = !!job;
    cancelButton.hidden = !job;
    $(".clip-progress").hidden = !job;
    root.setAttribute("aria-busy", job ? "true" : "false");
  }

  function progress(share, announce) {
    const percent = new Intl.NumberFormat(locale, { style: "percent" }).format(share);
    $(".clip-bar").value = Math.round(share * 100);
    $(".clip-progress-text").textContent = say("making", { percent });
    if (announce) status.textContent = say("making", { percent });
  }

  async function make() {
    if (state.job) return;
    const rendition = selected();
    if (rendition.access === "account" && !signedIn) {
      status.textContent = words.signed_out;
      return;
    }
    const job = new AbortController();
    busy(job);
    result.hidden = true;
    status.textContent = words.loading;
    $(".clip-progress-text").textContent = words.loading;
    $(".clip-bar").value = 0;
    let announced = 0;
    try {
      const { mb, maker } = await loadTools();
      const mode = await modeFor(rendition);
      let { inFrame, outFrame } = state;
      const made = await maker.makeClip(mb, {
        rendition: asRendition(rendition),
        inFrame,
        outFrame,
        mode,
        metadata: {
          title: `${data.title} (${time(inFrame)}–${time(outFrame)})`,
          comment: shortText(rendition, inFrame, outFrame),
          date: new Date(`${data.date}T12:00:00Z`),
        },
        signal: job.signal,
        onProgress: (share) => {
          const quarter = Math.floor(share * 4);
          progress(share, quarter > announced && quarter < 4);
          announced = Math.max(announced, quarter);
        },
      });
      ({ inFrame, outFrame } = made);
      show(rendition, made, mode);
    } catch (error) {
      const code = job.signal.aborted ? "cancelled" : error.code || error.message;
      status.textContent = words[code] || words.unreadable;
      if (!job.signal.aborted && !words[code]) console.error(error);
      if (code === "signed_out") checkAccount();
    } finally {
      busy(null);
    }
  }

  function show(rendition, made, mode) {
    objectUrls.splice(0).forEach((url) => URL.revokeObjectURL(url));
    const name = rendition.filename
      .replace("{in}", fileTime(made.inFrame, fps))
      .replace("{out}", fileTime(made.outFrame, fps));
    const text = shortText(rendition, made.inFrame, made.outFrame);
    const clipUrl = URL.createObjectURL(made.blob);
    const textUrl = URL.createObjectURL(new Blob([`${text}\n`], { type: "text/plain;charset=utf-8" }));
    objectUrls.push(clipUrl, textUrl);
    const download = $(".clip-download");
    download.href = clipUrl;
    download.download = name;
    $(".clip-name").textContent = `${name} (${size(made.blob.size)})`;
    $(".clip-preview").src = clipUrl;
    const copied = mode === "copy" ? `${say("copy_done", { in: time(made.inFrame), out: time(made.outFrame) })}\n\n` : "";
    $(".clip-text").textContent = `${copied}${text}`;
    const textLink = $(".clip-text-download");
    textLink.href = textUrl;
    textLink.download = name.replace(/\.mp4$/, ".txt");
    result.hidden = false;
    status.textContent = say("ready", {
      size: size(made.blob.size),
      fetched: size(made.fetchedBytes),
      total: size(rendition.bytes),
    });
    $(".clip-result-title").focus();
  }

  makeButton.addEventListener("click", make);
  cancelButton.addEventListener("click", () => state.job?.abort());

  /* ---- Opening the panel ---- */

  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
    toggleButton.setAttribute("aria-expanded", "true");
    checkAccount();
    describeMode();
  }

  function toggle() {
    if (panel.hidden) {
      open();
      select(state.inFrame, state.outFrame);
    } else {
      panel.hidden = true;
      toggleButton.setAttribute("aria-expanded", "false");
    }
  }

  /** A link with a selection (#t=12.48,24.96) opens the panel with it, at its first frame. */
  function fromFragment() {
    const wanted = parseFragment(window.location.hash, fps);
    if (!wanted) return;
    open();
    // One selection, so the address is rewritten once: a reload between two rewrites would
    // open the half-made one.
    const inFrame = clamp(wanted.inFrame, 0, total - 1);
    const outFrame = clamp(wanted.outFrame ?? inFrame + maxFrames, 1, total);
    select(...withIn(inFrame, outFrame));
    showFrame(state.inFrame);
  }

  inputs.in.value = time(state.inFrame);
  inputs.out.value = time(state.outFrame);
  drawTimeline();
  return { toggle, shot, fromFragment };
}
