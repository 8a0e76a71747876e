//! Zero-phase Butterworth band-pass in place, in SIMD lanes: the band-pass of the QRS detectors.
//!
//! A digital Butterworth band-pass is a cascade of sections `g·(1 − z⁻²) / (1 + a₁z⁻¹ + a₂z⁻²)`.
//! Each section's recursion is a chain of dependent multiply-adds, so a pass over a signal, one
//! sample after the other, runs at the latency of that chain, not at the speed of the arithmetic.
//! [`filtfilt_in_place`] cuts a long signal into [`LANES`] stretches and filters them side by side,
//! one per vector lane (compiled for AVX2 where the CPU has it, chosen at run time). Each stretch's
//! forward pass starts from a state warmed up over the [`warm_up`] samples before it, and its
//! backward pass from a state warmed up over the samples after it: long enough for the slowest
//! pole to shrink any difference from the exact state below 2⁻⁸⁰ of the signal's scale. The first
//! stretch's forward pass and the last stretch's backward pass start from exactly the states of
//! [`super::filtfilt`] (odd extension, `sosfilt_zi`), so the result equals `filtfilt` up to
//! rounding. Signals too short for the lanes to pay run through one lane, and then give
//! `filtfilt`'s result bit for bit.

use super::{padlen, sosfilt_zi, Section};
use crate::error::{Error, Result};

/// Stretches filtered side by side.
pub(crate) const LANES: usize = 8;

/// One band-pass section `g·(1 − z⁻²) / (1 + a₁z⁻¹ + a₂z⁻²)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BandSection {
    g: f64,
    a1: f64,
    a2: f64,
}

impl BandSection {
    /// The section, when `s` has the band-pass numerator `[g, 0, −g]` and `a₀ = 1`.
    fn from_section(s: &Section) -> Option<Self> {
        let [b0, b1, b2, a0, a1, a2] = *s;
        (b1 == 0.0 && b2 == -b0 && a0 == 1.0).then_some(BandSection { g: b0, a1, a2 })
    }

    /// Largest pole radius: the roots of `z² + a₁z + a₂`.
    fn pole_radius(&self) -> f64 {
        let disc = self.a1 * self.a1 - 4.0 * self.a2;
        if disc < 0.0 {
            self.a2.sqrt()
        } else {
            let s = disc.sqrt();
            ((-self.a1 + s) / 2.0).abs().max(((-self.a1 - s) / 2.0).abs())
        }
    }
}

/// Samples of warm-up that shrink a state difference by 2⁻⁸⁰ at the slowest pole, with room for
/// the polynomial growth of a cascade of close poles; `None` when a pole is on or outside the unit
/// circle.
fn warm_up(secs: &[BandSection]) -> Option<usize> {
    let r = secs.iter().map(BandSection::pole_radius).fold(0.0, f64::max);
    if r.is_nan() || r >= 1.0 {
        return None;
    }
    if r == 0.0 {
        return Some(secs.len() * 2);
    }
    let steps = (80.0 * std::f64::consts::LN_2 / -r.ln()).ceil();
    (steps < 1e9).then(|| steps as usize + 16 * secs.len())
}

/// Section states of `L` lanes: `q = −s₀` and `r = −s₁` of the transposed direct form II states.
#[derive(Debug, Clone, Copy)]
struct States<const N: usize, const L: usize> {
    q: [[f64; L]; N],
    r: [[f64; L]; N],
}

// Lane loops index several arrays by section and lane at once, the shape the vectorizer wants.
#[allow(clippy::needless_range_loop)]
impl<const N: usize, const L: usize> States<N, L> {
    /// Every lane at the steady state of a constant input `v[lane]` (`sosfilt_zi` scaled).
    fn steady(zi: &[[f64; 2]; N], v: [f64; L]) -> Self {
        let mut s = States { q: [[0.0; L]; N], r: [[0.0; L]; N] };
        for k in 0..N {
            for j in 0..L {
                s.q[k][j] = -(zi[k][0] * v[j]);
                s.r[k][j] = -(zi[k][1] * v[j]);
            }
        }
        s
    }

    fn lane(&self, j: usize) -> States<N, 1> {
        let mut s = States { q: [[0.0; 1]; N], r: [[0.0; 1]; N] };
        for k in 0..N {
            s.q[k][0] = self.q[k][j];
            s.r[k][0] = self.r[k][j];
        }
        s
    }

    fn set_lane(&mut self, j: usize, s: &States<N, 1>) {
        for k in 0..N {
            self.q[k][j] = s.q[k][0];
            self.r[k][j] = s.r[k][0];
        }
    }

    /// One sample through the cascade in every lane. With `s₀ = −q`, `s₁ = −r`, `b = [g, 0, −g]`
    /// this is the transposed direct form II step, `y = b₀x + s₀`, `s₀ ← b₁x − a₁y + s₁`,
    /// `s₁ ← b₂x − a₂y`, with the same roundings.
    #[inline(always)]
    fn step(&mut self, secs: &[BandSection; N], mut v: [f64; L]) -> [f64; L] {
        for k in 0..N {
            let BandSection { g, a1, a2 } = secs[k];
            for j in 0..L {
                let u = g * v[j];
                let y = u - self.q[k][j];
                self.q[k][j] = a1 * y + self.r[k][j];
                self.r[k][j] = u + a2 * y;
                v[j] = y;
            }
        }
        v
    }
}

/// Runs `x` through the cascade in place in one lane, forward or (with `REV`) last sample first.
fn run_one<const N: usize, const REV: bool>(secs: &[BandSection; N], st: &mut States<N, 1>, x: &mut [f64]) {
    let mut f = |v: &mut f64| *v = st.step(secs, [*v])[0];
    if REV {
        x.iter_mut().rev().for_each(&mut f);
    } else {
        x.iter_mut().for_each(&mut f);
    }
}

/// Samples per lane moved at a time between the stretches and the lane-major working block.
const BLOCK: usize = 32;

/// Runs the lane-major `block` (row `k` holds sample `k` of every lane) through the cascade,
/// forward or last row first. The states are a local copy, so they stay in registers.
#[inline(always)]
fn run_block<const N: usize, const REV: bool>(
    secs: &[BandSection; N],
    st: &mut States<N, LANES>,
    block: &mut [[f64; LANES]],
) {
    let mut local = *st;
    if REV {
        for row in block.iter_mut().rev() {
            *row = local.step(secs, *row);
        }
    } else {
        for row in block.iter_mut() {
            *row = local.step(secs, *row);
        }
    }
    *st = local;
}

/// The range of `len` samples, `BLOCK` at a time, in the order a pass visits them.
fn blocks<const REV: bool>(len: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..len.div_ceil(BLOCK)).map(move |b| {
        let from = b * BLOCK;
        let to = (from + BLOCK).min(len);
        if REV {
            len - to..len - from
        } else {
            from..to
        }
    })
}

/// What the lane passes note per lane as they go: the forward pass, of what it reads; the backward
/// pass, of what it writes.
#[derive(Debug, Clone, Copy)]
struct LaneStats {
    /// Largest magnitude read (forward pass).
    max_abs: [f64; LANES],
    /// Whether every sample read was finite (forward pass).
    finite: [bool; LANES],
    /// Sum of squares written (backward pass).
    sum_sq: [f64; LANES],
}

impl Default for LaneStats {
    fn default() -> Self {
        LaneStats { max_abs: [0.0; LANES], finite: [true; LANES], sum_sq: [0.0; LANES] }
    }
}

/// [`LANES`] equal stretches run in place side by side, forward or last sample first, noting
/// [`LaneStats`] on the way.
struct Stretches<'a, const N: usize, const REV: bool> {
    secs: &'a [BandSection; N],
    st: &'a mut States<N, LANES>,
    lanes: [&'a mut [f64]; LANES],
    stats: &'a mut LaneStats,
}

impl<const N: usize, const REV: bool> pulp::WithSimd for Stretches<'_, N, REV> {
    type Output = ();

    // Inlined into pulp's per-instruction-set entry points, so the lane loops are vectorized for
    // each of them; no fused multiply-adds, so every instruction set gives the same bits.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let len = self.lanes.iter().map(|l| l.len()).min().unwrap_or(0);
        let mut lanes = self.lanes;
        let mut block = [[0.0f64; LANES]; BLOCK];
        let stats = self.stats;
        for range in blocks::<REV>(len) {
            let rows = &mut block[..range.len()];
            for (j, lane) in lanes.iter().enumerate() {
                for (row, v) in rows.iter_mut().zip(&lane[range.clone()]) {
                    row[j] = *v;
                }
            }
            if !REV {
                for row in rows.iter() {
                    for ((m, f), v) in stats.max_abs.iter_mut().zip(&mut stats.finite).zip(row) {
                        *m = m.max(v.abs());
                        *f &= v.is_finite();
                    }
                }
            }
            run_block::<N, REV>(self.secs, self.st, rows);
            for (j, lane) in lanes.iter_mut().enumerate() {
                for (row, v) in rows.iter().zip(&mut lane[range.clone()]) {
                    *v = row[j];
                }
            }
            if REV {
                for row in rows.iter() {
                    for (s, v) in stats.sum_sq.iter_mut().zip(row) {
                        *s += v * v;
                    }
                }
            }
        }
    }
}

/// [`LANES`] equal stretches run side by side without storing the output (warm-up).
struct WarmUp<'a, const N: usize, const REV: bool> {
    secs: &'a [BandSection; N],
    st: &'a mut States<N, LANES>,
    lanes: [&'a [f64]; LANES],
}

impl<const N: usize, const REV: bool> pulp::WithSimd for WarmUp<'_, N, REV> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let len = self.lanes.iter().map(|l| l.len()).min().unwrap_or(0);
        let mut block = [[0.0f64; LANES]; BLOCK];
        for range in blocks::<REV>(len) {
            let rows = &mut block[..range.len()];
            for (j, lane) in self.lanes.iter().enumerate() {
                for (row, v) in rows.iter_mut().zip(&lane[range.clone()]) {
                    row[j] = *v;
                }
            }
            run_block::<N, REV>(self.secs, self.st, rows);
        }
    }
}

/// What [`filtfilt_in_place`] noted on the way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct InPlace {
    /// The largest magnitude of the input.
    pub largest: f64,
    /// The sum of squares of the filtered signal.
    pub energy: f64,
}

/// Zero-phase forward-backward filtering of `x` in place, equal to [`super::filtfilt`] up to
/// rounding (bit for bit when `x` is too short for the lanes). Band-pass cascades of one to four
/// sections run in lanes; any other cascade runs through `filtfilt` itself. A NaN or infinite
/// sample is an error naming the first one ([`Error::NonFinite`]); `x` may then hold partly
/// filtered values. The input's largest magnitude is noted as the first pass reads it, the output's
/// energy as the last pass writes it.
pub(crate) fn filtfilt_in_place(sos: &[Section], x: &mut [f64]) -> Result<InPlace> {
    let secs: Option<Vec<BandSection>> = sos.iter().map(BandSection::from_section).collect();
    let done = match secs.as_deref() {
        Some([a]) => in_lanes(&[*a], sos, x),
        Some([a, b]) => in_lanes(&[*a, *b], sos, x),
        Some([a, b, c]) => in_lanes(&[*a, *b, *c], sos, x),
        Some([a, b, c, d]) => in_lanes(&[*a, *b, *c, *d], sos, x),
        _ => None,
    };
    match done {
        Some(result) => result,
        None => {
            let largest = largest_magnitude(x)?;
            let (ext, pad) = super::filtfilt_padded(sos, x)?;
            x.copy_from_slice(&ext[pad..pad + x.len()]);
            Ok(InPlace { largest, energy: sum_sq(x) })
        }
    }
}

/// [`filtfilt_in_place`] for `N` band-pass sections; `None` when the cascade is unstable.
fn in_lanes<const N: usize>(secs: &[BandSection; N], sos: &[Section], x: &mut [f64]) -> Option<Result<InPlace>> {
    let w = warm_up(secs)?;
    Some(lanes_pass(secs, sos, x, w))
}

fn lanes_pass<const N: usize>(secs: &[BandSection; N], sos: &[Section], x: &mut [f64], w: usize) -> Result<InPlace> {
    let n = x.len();
    let pad = padlen(sos);
    if n <= pad {
        largest_magnitude(x)?;
        return Err(Error::TooFew { what: "filtfilt", needed: pad + 1, got: n });
    }
    let c = n / LANES;
    // The samples the left extension is made of are checked before it is: a non-finite one among
    // them is the first. Elsewhere the forward pass checks what it reads.
    let head = if c < 4 * w { largest_magnitude(x)? } else { largest_magnitude(&x[..=pad])? };
    let zi_all = sosfilt_zi(sos);
    let zi: [[f64; 2]; N] = std::array::from_fn(|k| zi_all[k]);
    // The odd extensions at both ends, as `filtfilt` pads the signal.
    let mut left: Vec<f64> = (1..=pad).rev().map(|i| 2.0 * x[0] - x[i]).collect();
    let mut right: Vec<f64> = (1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]).collect();
    let arch = pulp::Arch::new();

    // Forward. The first stretch continues from the left extension, exactly as `filtfilt` runs.
    let mut first = States::<N, 1>::steady(&zi, [left[0]]);
    run_one::<N, false>(secs, &mut first, &mut left);
    if c < 4 * w {
        // Too short for the lanes to pay: one lane over the whole signal.
        run_one::<N, false>(secs, &mut first, x);
        run_one::<N, false>(secs, &mut first, &mut right);
        let mut back = States::<N, 1>::steady(&zi, [right[pad - 1]]);
        run_one::<N, true>(secs, &mut back, &mut right);
        run_one::<N, true>(secs, &mut back, x);
        return Ok(InPlace { largest: head, energy: sum_sq(x) });
    }
    // Stretch j is x[j·c .. (j + 1)·c]; the last one also takes the remainder x[LANES·c ..].
    let starts: [usize; LANES] = std::array::from_fn(|j| (j * c).saturating_sub(w));
    let mut st = States::<N, LANES>::steady(&zi, starts.map(|s| x[s]));
    arch.dispatch(WarmUp::<N, false> { secs, st: &mut st, lanes: starts.map(|s| &x[s..s + w]) });
    st.set_lane(0, &first);
    let mut forward = LaneStats::default();
    let lanes = stretches(&mut x[..LANES * c], c);
    arch.dispatch(Stretches::<N, false> { secs, st: &mut st, lanes, stats: &mut forward });
    let tail = largest_magnitude(&x[LANES * c..]);
    let mut last = st.lane(LANES - 1);
    run_one::<N, false>(secs, &mut last, &mut x[LANES * c..]);
    if tail.is_err() || forward.finite.contains(&false) {
        // A non-finite sample makes the forward output non-finite from there on in its stretch,
        // and the stretches before it (and their warm-ups) read only finite samples: the first
        // non-finite forward output is the first non-finite input.
        largest_magnitude(x)?;
    }
    let largest = forward.max_abs.iter().fold(head.max(tail.unwrap_or(0.0)), |a, b| a.max(*b));
    run_one::<N, false>(secs, &mut last, &mut right);

    // Backward. The last stretch starts from the filtered right extension, exactly as `filtfilt`.
    let mut last = States::<N, 1>::steady(&zi, [right[pad - 1]]);
    run_one::<N, true>(secs, &mut last, &mut right);
    run_one::<N, true>(secs, &mut last, &mut x[LANES * c..]);
    // Stretch j warms up over the forward-filtered x[(j + 1)·c .. (j + 1)·c + w], last sample first.
    let ends: [usize; LANES] = std::array::from_fn(|j| ((j + 1) * c).min((LANES - 1) * c));
    let mut st = States::<N, LANES>::steady(&zi, ends.map(|e| x[e + w - 1]));
    arch.dispatch(WarmUp::<N, true> { secs, st: &mut st, lanes: ends.map(|e| &x[e..e + w]) });
    st.set_lane(LANES - 1, &last);
    let mut backward = LaneStats::default();
    let lanes = stretches(&mut x[..LANES * c], c);
    arch.dispatch(Stretches::<N, true> { secs, st: &mut st, lanes, stats: &mut backward });
    Ok(InPlace { largest, energy: backward.sum_sq.iter().sum::<f64>() + sum_sq(&x[LANES * c..]) })
}

/// The largest `|x|` (zero for an empty signal), or [`Error::NonFinite`] naming the first NaN or
/// infinite sample: one pass in eight running maxima, 64 samples at a time, a block searched only
/// when it holds a non-finite sample.
pub(crate) fn largest_magnitude(x: &[f64]) -> Result<f64> {
    let mut acc = [0.0f64; 8];
    let mut at = 0;
    for block in x.chunks(64) {
        let mut finite = true;
        let lanes = block.chunks_exact(8);
        let rest = lanes.remainder();
        for c in lanes {
            for (a, v) in acc.iter_mut().zip(c) {
                finite &= v.is_finite();
                *a = a.max(v.abs());
            }
        }
        for v in rest {
            finite &= v.is_finite();
            acc[0] = acc[0].max(v.abs());
        }
        if !finite {
            let index = at + block.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(Error::NonFinite { index });
        }
        at += block.len();
    }
    Ok(acc.iter().fold(0.0f64, |a, v| a.max(*v)))
}

/// Sum of squares, in eight interleaved partial sums.
fn sum_sq(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * v;
        }
    }
    acc.iter().sum::<f64>() + rest.iter().map(|v| v * v).sum::<f64>()
}

/// The [`LANES`] consecutive stretches of length `c` of `x` (`x.len() == LANES · c`).
fn stretches(x: &mut [f64], c: usize) -> [&mut [f64]; LANES] {
    let mut it = x.chunks_exact_mut(c.max(1));
    std::array::from_fn(|_| it.next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{butterworth, filtfilt, Band};

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// A Butterworth band-pass as sections, and its warm-up.
    fn band(
        order: usize,
        lo: f64,
        hi: f64,
        fs: f64,
    ) -> std::result::Result<(Vec<Section>, usize), Box<dyn std::error::Error>> {
        let sos = butterworth(order, Band::BandPass(lo, hi), fs)?;
        let secs: Vec<BandSection> =
            sos.iter().map(BandSection::from_section).collect::<Option<_>>().ok_or("not a band-pass")?;
        let w = warm_up(&secs).ok_or("an unstable cascade")?;
        Ok((sos, w))
    }

    /// An ECG-like test signal: a sharp periodic spike, a slow wave and a deterministic jitter.
    fn signal(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64 / 360.0;
                let phase = (t * 1.17).fract();
                let spike = (-((phase - 0.3) / 0.01).powi(2)).exp();
                spike + 0.2 * (2.0 * std::f64::consts::PI * 0.3 * t).sin() + 0.01 * ((i * 7919 % 1013) as f64 / 1013.0)
            })
            .collect()
    }

    #[test]
    fn short_signals_give_filtfilt_bit_for_bit() -> TestResult {
        for (order, lo, hi) in [(3, 8.0, 20.0), (2, 5.0, 15.0), (1, 0.5, 40.0), (4, 1.0, 30.0)] {
            let sos = butterworth(order, Band::BandPass(lo, hi), 360.0)?;
            for n in [sos.len() * 6 + 4, 100, 3_600, 20_000] {
                let x = signal(n);
                let want = filtfilt(&sos, &x)?;
                let mut got = x.clone();
                let pass = filtfilt_in_place(&sos, &mut got)?;
                assert_eq!(got, want, "order {order}, n {n}");
                assert_eq!(pass.energy, sum_sq(&want));
                assert_eq!(pass.largest, x.iter().fold(0.0, |a: f64, v| a.max(v.abs())));
            }
        }
        Ok(())
    }

    #[test]
    fn lanes_equal_filtfilt_to_rounding() -> TestResult {
        for (order, lo, hi, fs) in
            [(3, 8.0, 20.0, 360.0), (2, 5.0, 15.0, 360.0), (3, 8.0, 20.0, 128.0), (2, 5.0, 15.0, 1000.0)]
        {
            let (sos, w) = band(order, lo, hi, fs)?;
            // A remainder of 5 samples past the last full stretch.
            let n = LANES * 4 * w + 5;
            let x = signal(n);
            let want = filtfilt(&sos, &x)?;
            let mut got = x.clone();
            let pass = filtfilt_in_place(&sos, &mut got)?;
            let plain: f64 = want.iter().map(|v| v * v).sum();
            assert!((pass.energy - plain).abs() <= 1e-12 * plain, "{} vs {plain}", pass.energy);
            assert_eq!(pass.largest, x.iter().fold(0.0, |a: f64, v| a.max(v.abs())));
            let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0f64, f64::max);
            assert!(worst <= 1e-13 * scale, "order {order} at {fs} Hz: {worst:e} against scale {scale}");
            assert_ne!(got, x);
        }
        Ok(())
    }

    #[test]
    fn other_cascades_and_short_input() -> TestResult {
        let sos = butterworth(3, Band::LowPass(40.0), 360.0)?;
        let x = signal(50_000);
        let mut got = x.clone();
        filtfilt_in_place(&sos, &mut got)?;
        assert_eq!(got, filtfilt(&sos, &x)?);
        let sos = butterworth(3, Band::BandPass(8.0, 20.0), 360.0)?;
        let mut short = vec![1.0; 21];
        assert!(matches!(filtfilt_in_place(&sos, &mut short), Err(Error::TooFew { needed: 22, got: 21, .. })));
        Ok(())
    }

    #[test]
    fn the_first_non_finite_sample_is_named() -> TestResult {
        let (sos, w) = band(3, 8.0, 20.0, 360.0)?;
        let n = LANES * 4 * w + 5;
        let c = n / LANES;
        let x = signal(n);
        // The left extension's samples, stretch starts and ends, warm-up regions, the remainder.
        for at in [0, 5, 21, 22, c - w, c - 1, c, 3 * c + 17, LANES * c - 1, LANES * c + 2, n - 1] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let mut y = x.clone();
                y[at] = bad;
                // A second one later never hides the first.
                if at + c < n {
                    y[at + c] = f64::NAN;
                }
                let got = filtfilt_in_place(&sos, &mut y);
                assert!(matches!(got, Err(Error::NonFinite { index }) if index == at), "{bad} at {at}: {got:?}");
            }
        }
        // Too short for the lanes, and a cascade that is not a band-pass.
        let mut y = signal(500);
        y[300] = f64::NAN;
        assert!(matches!(filtfilt_in_place(&sos, &mut y.clone()), Err(Error::NonFinite { index: 300 })));
        let low = butterworth(3, Band::LowPass(40.0), 360.0)?;
        assert!(matches!(filtfilt_in_place(&low, &mut y), Err(Error::NonFinite { index: 300 })));
        Ok(())
    }

    #[test]
    fn warm_up_follows_the_slowest_pole() -> TestResult {
        let (_, w360) = band(3, 8.0, 20.0, 360.0)?;
        let (_, w1000) = band(3, 8.0, 20.0, 1000.0)?;
        // SciPy 1.13.1: the largest pole radius of butter(3, [8, 20], "bandpass", fs=360) is 0.96830.
        let want = (80.0 * std::f64::consts::LN_2 / -(0.9683002729082392f64).ln()).ceil() as usize + 48;
        assert!(w360.abs_diff(want) <= 1, "{w360} vs {want}");
        assert!(w1000 > 2 * w360);
        assert_eq!(warm_up(&[BandSection { g: 1.0, a1: 0.0, a2: 1.0 }]), None);
        Ok(())
    }
}
