/* The video page's player: adaptive streaming (HLS) where the browser can, the MP4 otherwise.
 *
 * Without JavaScript, or without Media Source Extensions, the <source> MP4 files play as they
 * always did. Safari (iPhone, iPad, Mac) plays the HLS presentation natively. Elsewhere hls.js,
 * served from the site's own fingerprinted assets, takes over when the visitor first plays (a
 * time code of the shot list plays too): the page stays light for those who only read it, and
 * playback goes on from where it was. The presentation carries the captions as subtitle
 * renditions, so the page's <track> elements give way to them, in the same language. While a
 * visitor makes their own clip (clip.js), the player stays on the progressive file. */
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video || !video.getAttribute("data-stream")) { return; }
  var master = video.getAttribute("data-stream");
  var tracks = Array.prototype.slice.call(video.querySelectorAll("track"));

  function showingLanguage() {
    for (var i = 0; i < video.textTracks.length; i++) {
      if (video.textTracks[i].mode === "showing") { return video.textTracks[i].language; }
    }
    return null;
  }

  function dropTracks() {
    tracks.forEach(function (track) { track.remove(); });
  }

  /* Native HLS only where it is dependable: browsers that report it but also lack Apple's
     ManagedMediaSource (Chrome since 2026) may fail some streams; hls.js's own advice. */
  if (video.canPlayType("application/vnd.apple.mpegurl") && "ManagedMediaSource" in window) {
    dropTracks();
    video.src = master;
    video.setAttribute("data-streaming", "native");
    return;
  }
  if (!(window.MediaSource || window.ManagedMediaSource)) { return; }

  var requested = false;

  function fallBack(hls, at) {
    hls.destroy();
    video.removeAttribute("src");
    tracks.forEach(function (track) { video.appendChild(track); });
    video.load();
    video.currentTime = at;
    video.setAttribute("data-streaming", "progressive");
  }

  function attach() {
    var Hls = window.Hls;
    if (!Hls || !Hls.isSupported()) { return; }
    var at = video.currentTime;
    var playing = !video.paused;
    var language = showingLanguage();
    var hls = new Hls({
      enableWorker: false,  /* fMP4 needs no transmuxing; and no blob: worker for the CSP */
      startPosition: at,
      capLevelToPlayerSize: true,  /* a phone-sized player takes a phone-sized rung */
      subtitlePreference: language ? { lang: language } : undefined,
      subtitleDisplay: !!language
    });
    dropTracks();
    hls.on(Hls.Events.LEVEL_SWITCHED, function (event, data) {
      var level = hls.levels[data.level];
      video.setAttribute("data-rung", level ? level.height + "p" : "");
    });
    hls.on(Hls.Events.ERROR, function (event, data) {
      if (data.fatal) { fallBack(hls, at); }
    });
    hls.loadSource(master);
    hls.attachMedia(video);
    video.setAttribute("data-streaming", "hls.js");
    if (playing) {
      var started = video.play();
      if (started && started.catch) { started.catch(function () {}); }
    }
  }

  function load() {
    /* the clip maker is in use: stay on the file its clips are cut from (clip.js) */
    if (requested || video.dataset.frameExact) { return; }
    requested = true;
    var script = document.createElement("script");
    script.src = video.getAttribute("data-stream-player");
    script.onload = attach;
    document.head.appendChild(script);
  }

  video.addEventListener("play", load);
}());
