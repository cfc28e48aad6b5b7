//! Recorder: mono and stereo files with the right length and content, gaps filled so
//! both sides stay aligned, the `.part` rename, and recovery of cut-short recordings.

mod sound_support;

use std::time::{Duration, Instant};

use rotary_media::sound::{
    recover_partials, PlaybackRate, Recorder, RecorderConfig, RecordingLayout, Side, SoundError,
};
use sound_support::TempDir;

const FRAME: Duration = Duration::from_millis(20);

fn read(path: &std::path::Path) -> (hound::WavSpec, Vec<i16>) {
    let r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    (spec, r.into_samples::<i16>().map(Result::unwrap).collect())
}

fn config(layout: RecordingLayout, rate: PlaybackRate) -> RecorderConfig {
    RecorderConfig {
        layout,
        rate,
        ..RecorderConfig::default()
    }
}

#[tokio::test]
async fn stereo_keeps_caller_left_and_callee_right_aligned_across_a_gap() {
    let dir = TempDir::new("rec-stereo");
    let t0 = Instant::now();
    let rec = Recorder::start(
        dir.path(),
        "call-1",
        t0,
        config(RecordingLayout::Stereo, PlaybackRate::Wideband),
    )
    .unwrap();
    assert_eq!(rec.path(), dir.join("call-1.wav"));
    // 2 s of call; the callee goes quiet (hold, no RTP) between 0.5 s and 1.5 s, and
    // its frames arrive 5 ms after the caller's.
    for i in 1..=100u32 {
        let now = t0 + FRAME * i;
        assert!(rec.push(now, Side::Caller, &[100; 320]));
        if !(26..=75).contains(&i) {
            let late = now + Duration::from_millis(5);
            assert!(rec.push(late, Side::Callee, &[-200; 320]));
        }
    }
    let info = rec.finish().await.unwrap();
    assert_eq!(info.path, dir.join("call-1.wav"));
    // The callee's 5 ms of latency is absorbed at the start but counted after the
    // gap (placement is exact to within the 60 ms jitter allowance).
    assert_eq!(info.duration, Duration::from_millis(2_005));
    assert_eq!(info.dropped_frames, 0);
    assert_eq!(dir.names(), ["call-1.wav"], "the .part file was renamed");
    let (spec, pcm) = read(&info.path);
    assert_eq!((spec.channels, spec.sample_rate), (2, 16_000));
    assert_eq!(pcm.len(), 2 * 16 * 2_005);
    let left: Vec<i16> = pcm.iter().step_by(2).copied().collect();
    let right: Vec<i16> = pcm.iter().skip(1).step_by(2).copied().collect();
    let ms = |m: usize| m * 16;
    assert!(left[..ms(2_000)].iter().all(|&s| s == 100));
    assert!(right[..ms(500)].iter().all(|&s| s == -200));
    assert!(
        right[ms(500)..ms(1_505)].iter().all(|&s| s == 0),
        "gap is silence"
    );
    assert!(
        right[ms(1_505)..].iter().all(|&s| s == -200),
        "callee back on time"
    );
}

#[tokio::test]
async fn mono_sums_both_sides_saturating() {
    let dir = TempDir::new("rec-mono");
    let t0 = Instant::now();
    let rec = Recorder::start(
        dir.path(),
        "call-2",
        t0,
        config(RecordingLayout::Mono, PlaybackRate::Narrowband),
    )
    .unwrap();
    for i in 1..=50u32 {
        rec.push(t0 + FRAME * i, Side::Caller, &[30_000; 160]);
        rec.push(
            t0 + FRAME * i,
            Side::Callee,
            &[if i <= 25 { 1_000 } else { 5_000 }; 160],
        );
    }
    let info = rec.finish().await.unwrap();
    assert_eq!(info.duration, Duration::from_secs(1));
    let (spec, pcm) = read(&info.path);
    assert_eq!((spec.channels, spec.sample_rate), (1, 8_000));
    assert_eq!(pcm.len(), 8_000);
    assert!(pcm[..4_000].iter().all(|&s| s == 31_000));
    assert!(pcm[4_000..].iter().all(|&s| s == i16::MAX));
}

#[tokio::test]
async fn dropping_the_handle_still_completes_the_file() {
    let dir = TempDir::new("rec-drop");
    let t0 = Instant::now();
    let rec = Recorder::start(dir.path(), "call-3", t0, RecorderConfig::default()).unwrap();
    for i in 1..=10u32 {
        rec.push(t0 + FRAME * i, Side::Caller, &[7; 160]);
    }
    drop(rec);
    // The writer thread finishes on its own; wait for the rename (bounded polling of
    // the file system, not a timing assertion).
    let path = dir.join("call-3.wav");
    for _ in 0..500 {
        if path.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let (_, pcm) = read(&path);
    assert_eq!(pcm.len(), 1_600);
    assert!(pcm.iter().all(|&s| s == 7));
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let dir = TempDir::new("rec-full");
    let t0 = Instant::now();
    let cfg = RecorderConfig {
        queue_frames: 1,
        ..RecorderConfig::default()
    };
    let rec = Recorder::start(dir.path(), "call-4", t0, cfg).unwrap();
    let accepted = (1..=2_000u32)
        .filter(|&i| rec.push(t0 + FRAME * i, Side::Caller, &[1; 160]))
        .count() as u64;
    assert_eq!(accepted + rec.dropped_frames(), 2_000);
    assert!(rec.dropped_frames() > 0);
    let info = rec.finish().await.unwrap();
    assert!(info.dropped_frames >= 2_000 - accepted);
}

#[tokio::test]
async fn bad_name_and_missing_folder() {
    let dir = TempDir::new("rec-bad");
    let t0 = Instant::now();
    assert!(matches!(
        Recorder::start(dir.path(), "../x", t0, RecorderConfig::default()),
        Err(SoundError::InvalidName { .. })
    ));
    let rec = Recorder::start(&dir.join("missing"), "x", t0, RecorderConfig::default()).unwrap();
    assert!(matches!(rec.finish().await, Err(SoundError::Io { .. })));
}

#[test]
fn recover_partials_completes_cut_short_recordings() {
    let dir = TempDir::new("rec-recover");
    // What a killed writer leaves: a header with zero sizes, then samples, the last
    // one cut in half.
    let mut killed = Vec::new();
    killed.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
    killed.extend_from_slice(&16u32.to_le_bytes());
    killed.extend_from_slice(&1u16.to_le_bytes());
    killed.extend_from_slice(&2u16.to_le_bytes());
    killed.extend_from_slice(&8_000u32.to_le_bytes());
    killed.extend_from_slice(&32_000u32.to_le_bytes());
    killed.extend_from_slice(&4u16.to_le_bytes());
    killed.extend_from_slice(&16u16.to_le_bytes());
    killed.extend_from_slice(b"data\0\0\0\0");
    for i in 0..800i16 {
        killed.extend_from_slice(&i.to_le_bytes());
        killed.extend_from_slice(&(-i).to_le_bytes());
    }
    killed.extend_from_slice(&[1, 2, 3]);
    std::fs::write(dir.join("a.wav.part"), &killed).unwrap();
    std::fs::write(dir.join("b.wav.part"), &killed).unwrap();
    std::fs::write(dir.join("b.wav"), b"an older b").unwrap();
    std::fs::write(dir.join("empty.wav.part"), &killed[..20]).unwrap();
    std::fs::write(dir.join("foreign.wav.part"), vec![b'x'; 100]).unwrap();

    let recovered = recover_partials(dir.path()).unwrap();
    assert_eq!(
        recovered,
        [dir.join("a.wav"), dir.join("b.recovered-1.wav")]
    );
    assert_eq!(
        dir.names(),
        ["a.wav", "b.recovered-1.wav", "b.wav", "foreign.wav.part"]
    );
    for path in &recovered {
        let (spec, pcm) = read(path);
        assert_eq!((spec.channels, spec.sample_rate), (2, 8_000));
        assert_eq!(pcm.len(), 1_600);
        assert_eq!(&pcm[..4], &[0, 0, 1, -1]);
    }
    assert!(
        recover_partials(dir.path()).unwrap().is_empty(),
        "idempotent"
    );
}
