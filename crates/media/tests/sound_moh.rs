//! Music on hold: one frame source per class for all listeners, started by the first
//! listener and stopped after the last; files loop in order; an empty class is silent.
//! Virtual time only (`start_paused`).

mod sound_support;

use std::sync::Arc;
use std::time::Duration;

use rotary_media::sound::{
    MohClass, MohConfig, MohOrder, MohRegistry, PlaybackRate, Prompt, DEFAULT_MOH_CLASS,
};
use sound_support::{sine, wav16, TempDir};

const FRAME: Duration = Duration::from_millis(20);

/// A 16 kHz file of `ms` milliseconds holding the constant `value`.
fn write_level(dir: &TempDir, name: &str, value: i16, ms: usize) {
    std::fs::write(dir.join(name), wav16(&vec![value; ms * 16], 16_000, 1)).unwrap();
}

/// Frames until the first one with sound (the class starts silent while it loads).
async fn skip_silence(l: &mut rotary_media::sound::MohListener) -> Arc<[i16]> {
    for _ in 0..50 {
        let f = l.recv().await.unwrap();
        if f.iter().any(|&s| s != 0) {
            return f;
        }
    }
    panic!("no sound within a second");
}

#[tokio::test(start_paused = true)]
async fn one_and_a_hundred_listeners_get_the_same_frames() {
    let dir = TempDir::new("moh-fanout");
    let tone = sine(440.0, 16_000, 0.5, 9_000.0);
    std::fs::write(dir.join("a.wav"), wav16(&tone, 16_000, 1)).unwrap();
    let expected = Prompt::from_pcm(&tone, 16_000).unwrap();

    let mut runs = Vec::new();
    for listeners in [1, 100] {
        let class = MohClass::new("default", MohConfig::new(dir.path()));
        let mut ls: Vec<_> = (0..listeners)
            .map(|i| {
                let rate = if i % 2 == 0 {
                    PlaybackRate::Wideband
                } else {
                    PlaybackRate::Narrowband
                };
                class.subscribe(rate)
            })
            .collect();
        assert_eq!(class.listener_count(), listeners);
        assert!(class.is_playing());
        // Everyone's frames, tick by tick, until 60 frames of sound (the 0.5 s file
        // plays 2.4 times).
        let mut got: Vec<Vec<Arc<[i16]>>> = vec![Vec::new(); listeners];
        for (l, out) in ls.iter_mut().zip(&mut got) {
            out.push(skip_silence(l).await);
        }
        for _ in 1..60 {
            for (l, out) in ls.iter_mut().zip(&mut got) {
                out.push(l.recv().await.unwrap());
            }
        }
        for (i, l) in ls.iter().enumerate() {
            assert_eq!(l.skipped_frames(), 0, "listener {i}");
        }
        runs.push(got);
    }
    let single = &runs[0][0];
    for (i, frames) in runs[1].iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(frames, single, "wideband listener {i} of 100");
        }
    }
    // The frames are the file, looped: 25 frames a pass.
    let wide = expected.samples(PlaybackRate::Wideband);
    let played: Vec<i16> = single.iter().flat_map(|f| f.iter().copied()).collect();
    for pass in played.chunks(wide.len()) {
        assert_eq!(pass, &wide[..pass.len()]);
    }
    let narrow = expected.samples(PlaybackRate::Narrowband);
    let played: Vec<i16> = runs[1][1].iter().flat_map(|f| f.iter().copied()).collect();
    assert_eq!(played.len(), 60 * 160);
    assert_eq!(&played[..narrow.len()], &narrow[..]);
}

#[tokio::test(start_paused = true)]
async fn the_class_task_stops_after_the_last_listener_and_restarts() {
    let dir = TempDir::new("moh-stop");
    write_level(&dir, "a.wav", 1_000, 200);
    let class = MohClass::new("default", MohConfig::new(dir.path()));
    assert!(!class.is_playing(), "nothing runs before a subscribe");
    let mut a = class.subscribe(PlaybackRate::Narrowband);
    let mut b = class.subscribe(PlaybackRate::Wideband);
    skip_silence(&mut a).await;
    drop(b.recv().await);
    drop(a);
    tokio::time::sleep(FRAME * 5).await;
    assert!(class.is_playing(), "one listener left");
    drop(b);
    tokio::time::sleep(FRAME * 2).await;
    assert!(!class.is_playing());
    assert_eq!(class.listener_count(), 0);
    let mut c = class.subscribe(PlaybackRate::Wideband);
    assert!(class.is_playing());
    assert!(skip_silence(&mut c).await.iter().all(|&s| s == 1_000));
}

#[tokio::test(start_paused = true)]
async fn files_loop_in_name_order_without_gaps() {
    let dir = TempDir::new("moh-order");
    write_level(&dir, "2-second.wav", 2_000, 100);
    write_level(&dir, "1-first.wav", 1_000, 100);
    write_level(&dir, ".hidden.wav", 9_000, 100);
    std::fs::write(dir.join("notes.txt"), "not music").unwrap();
    let class = MohClass::new("default", MohConfig::new(dir.path()));
    let mut l = class.subscribe(PlaybackRate::Wideband);
    let mut levels = vec![skip_silence(&mut l).await[0]];
    for _ in 0..19 {
        levels.push(l.recv().await.unwrap()[0]);
    }
    let expected: Vec<i16> = [1_000, 2_000, 1_000, 2_000]
        .iter()
        .flat_map(|&v| [v; 5])
        .collect();
    assert_eq!(levels, expected);
}

#[tokio::test(start_paused = true)]
async fn shuffle_plays_every_file_once_per_pass() {
    let dir = TempDir::new("moh-shuffle");
    for i in 1..=6i16 {
        write_level(&dir, &format!("{i}.wav"), i * 1_000, 20);
    }
    let config = MohConfig {
        order: MohOrder::Shuffle,
        seed: 42,
        ..MohConfig::new(dir.path())
    };
    let class = MohClass::new("shuffled", config);
    let mut l = class.subscribe(PlaybackRate::Wideband);
    let mut seen = vec![skip_silence(&mut l).await[0]];
    for _ in 0..11 {
        seen.push(l.recv().await.unwrap()[0]);
    }
    let (first, second) = seen.split_at(6);
    for pass in [first, second] {
        let mut sorted = pass.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, [1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
    }
    assert_ne!(first, [1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
}

#[tokio::test(start_paused = true)]
async fn an_empty_or_missing_folder_plays_silence() {
    let dir = TempDir::new("moh-empty");
    std::fs::write(dir.join("broken.wav"), "RIFF nonsense").unwrap();
    for path in [dir.path().to_path_buf(), dir.join("missing")] {
        let class = MohClass::new("default", MohConfig::new(path));
        let mut l = class.subscribe(PlaybackRate::Narrowband);
        for _ in 0..100 {
            let f = l.recv().await.unwrap();
            assert_eq!(f.len(), 160);
            assert!(f.iter().all(|&s| s == 0));
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_listener_skips_and_never_holds_up_the_class() {
    let dir = TempDir::new("moh-lag");
    write_level(&dir, "a.wav", 1_000, 1_000);
    let class = MohClass::new("default", MohConfig::new(dir.path()));
    let mut fast = class.subscribe(PlaybackRate::Wideband);
    let mut slow = class.subscribe(PlaybackRate::Wideband);
    for _ in 0..200 {
        fast.recv().await.unwrap();
    }
    assert_eq!(fast.skipped_frames(), 0);
    assert!(slow.try_recv().is_some());
    assert!(slow.skipped_frames() >= 100, "{}", slow.skipped_frames());
}

#[tokio::test(start_paused = true)]
async fn registry_falls_back_to_the_default_class() {
    let default_dir = TempDir::new("moh-reg-default");
    let jazz_dir = TempDir::new("moh-reg-jazz");
    write_level(&default_dir, "d.wav", 1_000, 100);
    write_level(&jazz_dir, "j.wav", 3_000, 100);
    let reg = MohRegistry::new(MohConfig::new(default_dir.path()));
    reg.insert("jazz", MohConfig::new(jazz_dir.path()));
    assert_eq!(reg.names(), [DEFAULT_MOH_CLASS, "jazz"]);
    let mut j = reg.subscribe("jazz", PlaybackRate::Wideband);
    let mut u = reg.subscribe("no-such-class", PlaybackRate::Wideband);
    assert_eq!(skip_silence(&mut j).await[0], 3_000);
    assert_eq!(skip_silence(&mut u).await[0], 1_000);
    assert_eq!(reg.class_or_default("nope").name(), DEFAULT_MOH_CLASS);
    assert!(!reg.remove(DEFAULT_MOH_CLASS));
    assert!(reg.remove("jazz"));
    assert!(reg.get("jazz").is_none());
}
