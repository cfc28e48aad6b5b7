//! The fixed-point primitives of GSM 06.10 §5.1 (16-bit "words", 32-bit "longwords"
//! with saturation where the standard saturates) and the tables of §5.2.

/// Saturating 16-bit addition (`add`).
#[inline]
pub(super) fn add(a: i16, b: i16) -> i16 {
    a.saturating_add(b)
}

/// Saturating 16-bit subtraction (`sub`).
#[inline]
pub(super) fn sub(a: i16, b: i16) -> i16 {
    a.saturating_sub(b)
}

/// `mult`: `(a * b) >> 15`, truncating. Callers never pass `-32768 * -32768`.
#[inline]
pub(super) fn mult(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b)) >> 15) as i16
}

/// `mult` with saturation of the one overflowing case.
#[inline]
pub(super) fn mult_sat(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        i16::MAX
    } else {
        mult(a, b)
    }
}

/// `mult_r`: `(a * b + 2^14) >> 15`, rounding, saturating `-32768 * -32768`.
#[inline]
pub(super) fn mult_r(a: i16, b: i16) -> i16 {
    if a == i16::MIN && b == i16::MIN {
        i16::MAX
    } else {
        ((i32::from(a) * i32::from(b) + 16384) >> 15) as i16
    }
}

/// `abs` with `abs(-32768) = 32767`.
#[inline]
pub(super) fn abs(a: i16) -> i16 {
    a.saturating_abs()
}

/// Saturating 32-bit addition (`L_add`).
#[inline]
pub(super) fn l_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// `norm`: left shifts that normalise a non-zero 32-bit value into
/// `[2^30, 2^31)` (or `[-2^31, -2^30]` for negatives).
#[inline]
pub(super) fn norm(a: i32) -> i16 {
    if a < 0 {
        if a <= -1_073_741_824 {
            return 0;
        }
        (!a).leading_zeros() as i16 - 1
    } else {
        a.leading_zeros() as i16 - 1
    }
}

/// `div`: `num / denum` as a Q15 fraction, for `0 <= num <= denum`.
#[inline]
pub(super) fn div(num: i16, denum: i16) -> i16 {
    if num == 0 {
        return 0;
    }
    let mut l_num = i32::from(num);
    let l_denum = i32::from(denum);
    let mut q: i16 = 0;
    for _ in 0..15 {
        q <<= 1;
        l_num <<= 1;
        if l_num >= l_denum {
            l_num -= l_denum;
            q += 1;
        }
    }
    q
}

/// Arithmetic shift right by `n` (negative `n` shifts left), as `asr`.
#[inline]
pub(super) fn asr(a: i16, n: i16) -> i16 {
    if n >= 16 {
        if a < 0 {
            -1
        } else {
            0
        }
    } else if n <= -16 {
        0
    } else if n < 0 {
        ((i32::from(a)) << -n) as i16
    } else {
        a >> n
    }
}

/// Arithmetic shift left by `n` (negative `n` shifts right), as `asl`.
#[inline]
pub(super) fn asl(a: i16, n: i16) -> i16 {
    if n >= 16 {
        0
    } else if n <= -16 {
        if a < 0 {
            -1
        } else {
            0
        }
    } else if n < 0 {
        asr(a, -n)
    } else {
        ((i32::from(a)) << n) as i16
    }
}

/// Table 4.3a: decision levels of the LTP gain quantizer (`DLB`).
pub(super) const DLB: [i16; 4] = [6554, 16384, 26214, 32767];

/// Table 4.3b: quantization levels of the LTP gain (`QLB`).
pub(super) const QLB: [i16; 4] = [3277, 11469, 21299, 32767];

/// Table 4.4: the weighting filter impulse response (`H`), symmetric, 11 taps.
pub(super) const H: [i32; 11] = [-134, -374, 0, 2054, 5741, 8192, 5741, 2054, 0, -374, -134];

/// Table 4.5: normalized inverse mantissa for the RPE quantizer (`NRFAC`).
pub(super) const NRFAC: [i16; 8] = [29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384];

/// Table 4.6: normalized direct mantissa for the inverse RPE quantizer (`FAC`).
pub(super) const FAC: [i16; 8] = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_matches_definition() {
        assert_eq!(norm(1), 30);
        assert_eq!(norm(0x4000_0000), 0);
        assert_eq!(norm(0x3fff_ffff), 1);
        assert_eq!(norm(-1), 31);
        assert_eq!(norm(-1_073_741_824), 0);
        assert_eq!(norm(i32::MIN), 0);
        assert_eq!(norm(-1_073_741_823), 1);
    }

    #[test]
    fn div_is_a_q15_fraction() {
        assert_eq!(div(0, 100), 0);
        assert_eq!(div(1, 2), 16384);
        assert_eq!(div(100, 100), 32767);
    }

    #[test]
    fn shifts_saturate_their_count() {
        assert_eq!(asr(-5, 20), -1);
        assert_eq!(asr(5, 20), 0);
        assert_eq!(asl(1, -1), 0);
        assert_eq!(asl(1, 3), 8);
        assert_eq!(asr(3, -2), 12);
        assert_eq!(mult_r(i16::MIN, i16::MIN), i16::MAX);
    }
}
