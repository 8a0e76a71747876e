//! Polyphase resampling against SciPy 1.13.1 (numpy 1.26.4):
//! `scipy.signal.resample_poly(x, up, down)` with its defaults, where
//! `i = np.arange(1000.0)` and `x = np.sin(2*np.pi*5*i/360) + 0.5*np.sin(2*np.pi*47*i/360) + 0.001*i`.
#![allow(clippy::unwrap_used)]

use mlhc_signal::filter::resample_poly;

type Case = (usize, usize, usize, f64, [(usize, f64); 6]);

#[test]
fn matches_scipy_resample_poly() {
    let x: Vec<f64> = (0..1000)
        .map(|i| {
            let t = f64::from(i);
            (2.0 * std::f64::consts::PI * 5.0 * t / 360.0).sin()
                + 0.5 * (2.0 * std::f64::consts::PI * 47.0 * t / 360.0).sin()
                + 0.001 * t
        })
        .collect();
    let cases: [Case; 4] = [
        (
            25,
            36,
            695,
            349.835707098803,
            [
                (0, 0.04408460965189226),
                (1, 0.5807188707158217),
                (231, -0.1337188256102032),
                (347, 0.6296099805542228),
                (693, 0.7465941014829959),
                (694, 0.3050432804022386),
            ],
        ),
        (
            2,
            1,
            2000,
            1007.4766859735909,
            [
                (0, 4.8950562648653284e-18),
                (1, 0.197414969127377),
                (666, -0.2960426628075654),
                (1000, 0.6507202876385124),
                (1998, 0.5191569782083827),
                (1999, 0.23416024225136864),
            ],
        ),
        (
            1,
            3,
            334,
            167.99243684518163,
            [
                (0, 0.1844477361153221),
                (1, 0.5313854828314232),
                (111, -0.2966420980893227),
                (167, 0.5144325531810526),
                (332, 0.250795574587445),
                (333, 0.47094897240423167),
            ],
        ),
        (
            3,
            2,
            1500,
            755.5943022022383,
            [
                (0, 4.8954902462616024e-18),
                (1, 0.28421614268977735),
                (500, -0.452540158119639),
                (750, 0.6507779785992965),
                (1498, 0.6483669068888886),
                (1499, 0.3334601424527531),
            ],
        ),
    ];
    for (up, down, n, sum, points) in cases {
        let y = resample_poly(&x, up, down).unwrap();
        assert_eq!(y.len(), n, "{up}/{down}");
        let s: f64 = y.iter().sum();
        assert!((s - sum).abs() < 1e-10, "{up}/{down}: sum {s} vs {sum}");
        for (k, want) in points {
            assert!((y[k] - want).abs() < 1e-12, "{up}/{down} y[{k}] = {} vs {want}", y[k]);
        }
    }
}
