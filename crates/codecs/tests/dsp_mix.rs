//! Conference mixer: everyone hears everyone else, never themselves; gains, mute,
//! saturation, and a 64-party room.

use rotary_codecs::dsp::goertzel::tone_power;
use rotary_codecs::dsp::{DspError, Gain, Mixer, PartyId};

const FRAME: usize = 160;
const RATE: u32 = 8000;

/// A frame of a sine at `hz` with peak `amp`, starting at sample `t0`.
fn sine(hz: f32, amp: f32, t0: usize) -> Vec<i16> {
    (0..FRAME)
        .map(|i| {
            let t = (t0 + i) as f32 / RATE as f32;
            (amp * (std::f32::consts::TAU * hz * t).sin()).round() as i16
        })
        .collect()
}

/// Frequency for party `i`: on 50 Hz bins, so a 160-sample frame holds whole cycles
/// and parties do not leak into each other's Goertzel.
fn hz(i: usize) -> f32 {
    300.0 + 50.0 * i as f32
}

#[test]
fn nobody_hears_themselves() {
    let mut m = Mixer::new(FRAME);
    let ids: Vec<PartyId> = (0..4).map(|_| m.add_party()).collect();
    for (i, &id) in ids.iter().enumerate() {
        m.put_frame(id, &sine(hz(i), 4000.0, 0)).unwrap();
    }
    m.mix();
    for (i, &id) in ids.iter().enumerate() {
        let out = m.output(id);
        assert_eq!(out.len(), FRAME);
        for j in 0..4 {
            let p = tone_power(out, RATE, hz(j));
            if i == j {
                assert!(p < 1.0, "party {i} hears itself: {p}");
            } else {
                let want = 4000.0f32 * 4000.0 / 2.0;
                assert!((p / want - 1.0).abs() < 0.01, "party {i} hears {j} at {p}");
            }
        }
    }
    // Exactly the sum of the others, sample by sample.
    let others: Vec<i16> = (0..FRAME)
        .map(|k| {
            (1..4)
                .map(|j| i32::from(sine(hz(j), 4000.0, 0)[k]))
                .sum::<i32>() as i16
        })
        .collect();
    assert_eq!(m.output(ids[0]), &others[..]);
}

#[test]
fn sums_saturate_instead_of_wrapping() {
    let mut m = Mixer::new(FRAME);
    let a = m.add_party();
    let b = m.add_party();
    let c = m.add_party();
    m.put_frame(a, &[30_000; FRAME]).unwrap();
    m.put_frame(b, &[30_000; FRAME]).unwrap();
    m.put_frame(c, &[-30_000; FRAME]).unwrap();
    m.mix();
    assert!(m.output(c).iter().all(|&s| s == i16::MAX));
    assert!(m.output(a).iter().all(|&s| s == 0));
    m.put_frame(c, &[i16::MIN; FRAME]).unwrap();
    m.put_frame(b, &[i16::MIN; FRAME]).unwrap();
    m.mix();
    assert!(m.output(a).iter().all(|&s| s == i16::MIN));
}

#[test]
fn input_and_output_gain_and_mute() {
    let mut m = Mixer::new(FRAME);
    let a = m.add_party();
    let b = m.add_party();
    let c = m.add_party();
    m.set_input_gain(a, Gain::from_db(-6.0)).unwrap();
    m.set_output_gain(c, Gain::from_db(6.0)).unwrap();
    m.put_frame(a, &[1000; FRAME]).unwrap();
    m.put_frame(b, &[100; FRAME]).unwrap();
    m.mix();
    // b hears a at -6 dB.
    assert!(
        m.output(b).iter().all(|&s| (s - 501).abs() <= 1),
        "{:?}",
        &m.output(b)[..4]
    );
    // c hears (a at -6 dB + b) at +6 dB.
    assert!(
        m.output(c).iter().all(|&s| (s - 1199).abs() <= 2),
        "{:?}",
        &m.output(c)[..4]
    );
    // Muted: a is not heard, but still hears b.
    m.set_muted(a, true).unwrap();
    m.put_frame(a, &[1000; FRAME]).unwrap();
    m.put_frame(b, &[100; FRAME]).unwrap();
    m.mix();
    assert!(m.output(b).iter().all(|&s| s == 0));
    assert!(m.output(a).iter().all(|&s| s == 100));
    // A party with output gain MUTE hears nothing.
    m.set_output_gain(a, Gain::MUTE).unwrap();
    m.put_frame(b, &[100; FRAME]).unwrap();
    m.mix();
    assert!(m.output(a).iter().all(|&s| s == 0));
}

#[test]
fn silent_parties_and_odd_frames() {
    let mut m = Mixer::new(FRAME);
    let a = m.add_party();
    let b = m.add_party();
    // Nobody spoke: silence, also before the first mix.
    assert!(m.output(a).iter().all(|&s| s == 0));
    m.mix();
    assert!(m.output(a).iter().all(|&s| s == 0));
    // A short frame is padded, a long one cut, an empty one is silence.
    m.put_frame(a, &[7; 10]).unwrap();
    m.mix();
    assert_eq!(&m.output(b)[..10], &[7; 10]);
    assert!(m.output(b)[10..].iter().all(|&s| s == 0));
    m.put_frame(a, &[9; 1000]).unwrap();
    m.mix();
    assert!(m.output(b).iter().all(|&s| s == 9));
    m.put_frame(a, &[]).unwrap();
    m.mix();
    assert!(m.output(b).iter().all(|&s| s == 0));
    // Inputs do not carry over to the next frame.
    m.mix();
    assert!(m.output(b).iter().all(|&s| s == 0));
}

#[test]
fn parties_come_and_go() {
    let mut m = Mixer::new(FRAME);
    let a = m.add_party();
    let b = m.add_party();
    m.remove_party(a).unwrap();
    assert_eq!(m.party_count(), 1);
    assert_eq!(
        m.remove_party(a),
        Err(DspError::UnknownParty { id: a.index() })
    );
    assert!(m.put_frame(a, &[1; FRAME]).is_err());
    assert!(m.set_muted(a, true).is_err());
    assert!(m.output(a).is_empty());
    let c = m.add_party();
    assert_eq!(c, a, "slots are reused");
    m.put_frame(b, &[3; FRAME]).unwrap();
    m.mix();
    assert!(m.output(c).iter().all(|&s| s == 3));
    // A zero-length room works too.
    let mut z = Mixer::new(0);
    let p = z.add_party();
    z.put_frame(p, &[1, 2, 3]).unwrap();
    z.mix();
    assert!(z.output(p).is_empty());
}

#[test]
fn sixty_four_parties() {
    let mut m = Mixer::new(FRAME);
    let ids: Vec<PartyId> = (0..64).map(|_| m.add_party()).collect();
    // Every party sends a constant it can be recognised by; every 5th is silent.
    for (i, &id) in ids.iter().enumerate() {
        if i % 5 != 0 {
            m.put_frame(id, &[i as i16; FRAME]).unwrap();
        }
    }
    m.mix();
    let total: i32 = (0..64).filter(|i| i % 5 != 0).sum();
    for (i, &id) in ids.iter().enumerate() {
        let own = if i % 5 != 0 { i as i32 } else { 0 };
        let want = (total - own) as i16;
        assert!(m.output(id).iter().all(|&s| s == want), "party {i}");
    }
    // Loud room: 64 parties at 2000 each saturate for everyone.
    for &id in &ids {
        m.put_frame(id, &[2000; FRAME]).unwrap();
    }
    m.mix();
    assert!(ids
        .iter()
        .all(|&id| m.output(id).iter().all(|&s| s == i16::MAX)));
}
