//! Prompts: import converts once to 8 and 16 kHz files (the tone stays at its pitch),
//! the cache shares one copy, and the player reads them out in 20 ms frames.

mod sound_support;

use std::sync::Arc;
use std::time::Duration;

use rotary_media::sound::{
    import_prompt, load_prompt_file, DecodeLimits, PlaybackRate, Player, Prompt, PromptCache,
    SoundError,
};
use sound_support::{assert_440, mp3_sine, sine, wav16, TempDir};

fn read_wav(path: &std::path::Path) -> (hound::WavSpec, Vec<i16>) {
    let r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    (spec, r.into_samples::<i16>().map(Result::unwrap).collect())
}

#[test]
fn import_converts_a_44k_stereo_tone_to_both_rates_at_440_hz() {
    let dir = TempDir::new("import");
    let mono = sine(440.0, 44_100, 2.0, 12_000.0);
    let stereo: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
    let info = import_prompt(
        &wav16(&stereo, 44_100, 2),
        dir.path(),
        "welcome",
        &DecodeLimits::default(),
    )
    .unwrap();
    assert_eq!((info.source_rate, info.source_channels), (44_100, 2));
    assert_eq!(info.duration, Duration::from_secs(2));
    assert_eq!(
        dir.names(),
        ["welcome.8k.wav", "welcome.wav"],
        "no temp files left"
    );
    for (path, rate) in [(&info.narrow_path, 8_000), (&info.wide_path, 16_000)] {
        let (spec, pcm) = read_wav(path);
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (1, rate, 16)
        );
        assert_eq!(pcm.len(), 2 * rate as usize);
        assert_440(&pcm, rate);
    }
}

#[test]
fn odd_cd_fractions_11025_and_22050_hz_convert_too() {
    for rate in [11_025, 22_050] {
        let p = Prompt::from_pcm(&sine(440.0, rate, 1.0, 9_000.0), rate).unwrap();
        assert_eq!(p.duration(), Duration::from_secs(1), "{rate}");
        assert_440(p.samples(PlaybackRate::Narrowband), 8_000);
        assert_440(p.samples(PlaybackRate::Wideband), 16_000);
    }
}

#[test]
fn import_of_mp3_and_narrowband_wav() {
    let dir = TempDir::new("import-mp3");
    let info = import_prompt(
        &mp3_sine(&dir, 16_000),
        dir.path(),
        "hold",
        &DecodeLimits::default(),
    )
    .unwrap();
    let (_, wide) = read_wav(&info.wide_path);
    assert_440(&wide[1_600..], 16_000);
    let info = import_prompt(
        &wav16(&sine(440.0, 8_000, 1.0, 9_000.0), 8_000, 1),
        dir.path(),
        "beep",
        &DecodeLimits::default(),
    )
    .unwrap();
    let (_, narrow) = read_wav(&info.narrow_path);
    let (_, wide) = read_wav(&info.wide_path);
    assert_eq!(
        narrow,
        sine(440.0, 8_000, 1.0, 9_000.0),
        "8 kHz source kept as is"
    );
    assert_440(&wide, 16_000);
}

#[test]
fn import_refuses_bad_names_and_bad_content_without_writing() {
    let dir = TempDir::new("import-bad");
    let wav = wav16(&sine(440.0, 8_000, 0.1, 9_000.0), 8_000, 1);
    for name in ["../etc/passwd", ".hidden", "a b", "x.8k", ""] {
        assert!(matches!(
            import_prompt(&wav, dir.path(), name, &DecodeLimits::default()),
            Err(SoundError::InvalidName { .. })
        ));
    }
    assert!(matches!(
        import_prompt(
            b"just some text, really",
            dir.path(),
            "x",
            &DecodeLimits::default()
        ),
        Err(SoundError::NotAudio)
    ));
    assert!(dir.names().is_empty());
}

#[test]
fn reimport_replaces_the_files() {
    let dir = TempDir::new("reimport");
    let limits = DecodeLimits::default();
    import_prompt(&wav16(&[1_000; 1_600], 16_000, 1), dir.path(), "p", &limits).unwrap();
    let info = import_prompt(&wav16(&[2_000; 3_200], 16_000, 1), dir.path(), "p", &limits).unwrap();
    assert_eq!(info.duration, Duration::from_millis(200));
    let (_, wide) = read_wav(&info.wide_path);
    assert!(wide.iter().all(|&s| s == 2_000));
    assert_eq!(dir.names(), ["p.8k.wav", "p.wav"]);
}

#[test]
fn loader_reads_pairs_plain_16k_files_and_other_formats() {
    let dir = TempDir::new("load");
    let limits = DecodeLimits::default();
    // An imported pair: both halves come straight from their files.
    let info = import_prompt(
        &wav16(&sine(440.0, 16_000, 0.5, 9_000.0), 16_000, 1),
        dir.path(),
        "pair",
        &limits,
    )
    .unwrap();
    let pair = load_prompt_file(&info.wide_path, &limits).unwrap();
    assert_eq!(
        **pair.samples(PlaybackRate::Narrowband),
        read_wav(&info.narrow_path).1[..]
    );
    // A lone 16 kHz file (what `cargo xtask sounds` writes): 8 kHz derived at load.
    let lone = dir.join("lone.wav");
    std::fs::write(&lone, wav16(&sine(440.0, 16_000, 0.5, 9_000.0), 16_000, 1)).unwrap();
    let p = load_prompt_file(&lone, &limits).unwrap();
    assert_eq!(p.samples(PlaybackRate::Wideband).len(), 8_000);
    assert_eq!(p.samples(PlaybackRate::Narrowband).len(), 4_000);
    assert_440(p.samples(PlaybackRate::Narrowband), 8_000);
    // A 48 kHz file dropped in by hand.
    let odd = dir.join("odd.wav");
    std::fs::write(&odd, wav16(&sine(440.0, 48_000, 0.5, 9_000.0), 48_000, 1)).unwrap();
    let p = load_prompt_file(&odd, &limits).unwrap();
    assert_eq!(p.duration(), Duration::from_millis(500));
    assert_440(p.samples(PlaybackRate::Wideband), 16_000);
    assert!(matches!(
        load_prompt_file(&dir.join("missing.wav"), &limits),
        Err(SoundError::Io { .. })
    ));
}

#[tokio::test]
async fn cache_shares_one_copy_until_invalidated() {
    let dir = TempDir::new("cache");
    let limits = DecodeLimits::default();
    let info = import_prompt(&wav16(&[500; 1_600], 16_000, 1), dir.path(), "c", &limits).unwrap();
    let cache = PromptCache::new(limits);
    assert!(cache.cached(&info.wide_path).is_none());
    let a = cache.get(&info.wide_path).await.unwrap();
    let b = cache.get(&info.wide_path).await.unwrap();
    for rate in PlaybackRate::ALL {
        assert!(Arc::ptr_eq(a.samples(rate), b.samples(rate)), "{rate:?}");
    }
    assert_eq!(cache.len(), 1);
    import_prompt(&wav16(&[700; 1_600], 16_000, 1), dir.path(), "c", &limits).unwrap();
    assert_eq!(
        cache.get(&info.wide_path).await.unwrap(),
        a,
        "stale until invalidated"
    );
    cache.invalidate(&info.wide_path);
    let c = cache.get(&info.wide_path).await.unwrap();
    assert!(c.samples(PlaybackRate::Wideband).iter().all(|&s| s == 700));
    assert!(matches!(
        cache.get(&dir.join("nope.wav")).await,
        Err(SoundError::Io { .. })
    ));
    assert_eq!(cache.len(), 1);
}

#[test]
fn player_plays_a_playlist_in_frames_at_the_leg_rate() {
    let one = Prompt::from_pcm(&sine(440.0, 16_000, 0.5, 9_000.0), 16_000).unwrap();
    let two = Prompt::from_pcm(&sine(440.0, 16_000, 0.25, 9_000.0), 16_000).unwrap();
    for rate in PlaybackRate::ALL {
        let mut player = Player::with_prompts(rate, [&one, &two]);
        player.push_silence(Duration::from_millis(10));
        assert_eq!(player.remaining(), Duration::from_millis(760));
        let mut frame = vec![0i16; player.frame_len()];
        let mut frames = 1;
        while !player.next_frame(&mut frame) {
            frames += 1;
        }
        assert_eq!(frames, 38, "760 ms = 38 frames of 20 ms at {rate:?}");
        assert!(player.is_finished());
    }
}
