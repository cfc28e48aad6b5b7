//! The simplified E-model against hand-computed G.107 values.

use std::time::Duration;

use rotary_rtp::{
    mos_from_r, ClockRate, CodecImpairment, Quality, QualityInputs, ReportBlock, Ssrc, StreamReport,
};

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() < eps
}

#[test]
fn perfect_g711_is_r_93_2_mos_4_41() {
    let q = Quality::estimate(QualityInputs::default());
    assert!(close(q.r, 93.2, 1e-9));
    // 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6
    assert!(close(q.mos, 4.4093, 1e-3), "{q:?}");
}

#[test]
fn loss_delay_and_codec_each_lower_r() {
    // 1 % random loss, G.711 with PLC: Ie,eff = 95·1/(1+25.1) = 3.64.
    let q = Quality::estimate(QualityInputs {
        loss: 0.01,
        ..QualityInputs::default()
    });
    assert!(close(q.r, 93.2 - 95.0 / 26.1, 1e-9), "{q:?}");
    // 200 ms one way: Id = 0.024·200 + 0.11·22.7 = 7.297.
    let q = Quality::estimate(QualityInputs {
        delay: Duration::from_millis(200),
        ..QualityInputs::default()
    });
    assert!(close(q.r, 93.2 - 7.297, 1e-9), "{q:?}");
    // 20 ms jitter counts as 40 ms of buffering delay: Id = 0.96.
    let q = Quality::estimate(QualityInputs {
        jitter: Duration::from_millis(20),
        ..QualityInputs::default()
    });
    assert!(close(q.r, 92.24, 1e-9), "{q:?}");
    let q = Quality::estimate(QualityInputs {
        codec: CodecImpairment::G729A,
        ..QualityInputs::default()
    });
    assert!(close(q.r, 82.2, 1e-9));
    // Without concealment loss hurts much more.
    let plc = Quality::estimate(QualityInputs {
        loss: 0.05,
        ..QualityInputs::default()
    });
    let no_plc = Quality::estimate(QualityInputs {
        loss: 0.05,
        codec: CodecImpairment::G711_NO_PLC,
        ..QualityInputs::default()
    });
    assert!(no_plc.mos < plc.mos - 1.0, "{plc:?} {no_plc:?}");
}

#[test]
fn mos_is_monotonic_and_bounded() {
    let mut last = 5.0;
    for pct in 0..=100 {
        let q = Quality::estimate(QualityInputs {
            loss: f64::from(pct) / 100.0,
            burst_ratio: 2.0,
            delay: Duration::from_millis(300),
            ..QualityInputs::default()
        });
        assert!(q.mos <= last && q.mos >= 1.0 && (0.0..=100.0).contains(&q.r));
        last = q.mos;
    }
    assert_eq!(mos_from_r(-5.0), 1.0);
    assert_eq!(mos_from_r(0.0), 1.0);
    assert_eq!(mos_from_r(100.0), 4.5);
    assert_eq!(mos_from_r(f64::NAN), 1.0);
    let nonsense = Quality::estimate(QualityInputs {
        loss: f64::NAN,
        burst_ratio: f64::INFINITY,
        codec: CodecImpairment {
            ie: f64::NAN,
            bpl: -3.0,
        },
        ..QualityInputs::default()
    });
    assert!(nonsense.mos.is_finite() && nonsense.r.is_finite());
}

#[test]
fn quality_from_a_report_block_and_a_stream_report() {
    let block = ReportBlock {
        ssrc: Ssrc(1),
        fraction_lost: 0,
        cumulative_lost: 0,
        highest_seq: 0,
        jitter: 160, // 20 ms at 8 kHz
        lsr: 0,
        dlsr: 0,
    };
    let q = block.quality(ClockRate::NARROWBAND, Duration::ZERO, CodecImpairment::G711);
    assert!(close(q.r, 92.24, 1e-9), "{q:?}");
    let report = StreamReport {
        ssrc: Some(Ssrc(1)),
        packets: 100,
        bytes: 0,
        lost: 1,
        duplicates: 1,
        reordered: 0,
        ssrc_changes: 0,
        restarts: 0,
        jitter: 0.0,
        jitter_ms: 0.0,
        highest_seq: None,
        last_packet: None,
    };
    assert!(close(report.loss(), 0.01, 1e-12));
    let q = report.quality(Duration::ZERO, CodecImpairment::G711);
    assert!(close(q.r, 93.2 - 95.0 / 26.1, 1e-9));
}
