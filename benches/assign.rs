//! The round-wide assignment on the instance: 2,000 applications × 4 seats from
//! 150 assessors. Prints the optimal and the greedy proposal's cost and time side by side,
//! then lets criterion time both.

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use certcase::domain::assign::{
    assign, assign_greedy, CostModel, PoolAssessor, Preference, Proposal, RoundApplication, Seats,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// A reproducible round (SplitMix64): parts weighted like a real round, 30 % CAICT
/// experts, 1–3 parts per assessor, up to 3 conflicts per application, 15 preferred and
/// 8 avoided applications per assessor, maximum load 40 % above the average.
fn synthetic_round(
    applications: usize,
    assessors: usize,
    seed: u64,
) -> (Vec<RoundApplication>, Vec<PoolAssessor>) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    const PARTS: [(&str, u64); 4] = [("CD", 40), ("TO", 25), ("SEC", 20), ("TOOL", 15)];
    let pick_part = |r: u64| {
        let mut r = r % 100;
        PARTS
            .iter()
            .find(|(_, w)| {
                if r < *w {
                    true
                } else {
                    r -= w;
                    false
                }
            })
            .unwrap()
            .0
    };
    let seats_total = applications as u64 * 4;
    let max_load = (seats_total * 7 / 5).div_ceil(assessors as u64) as u32;
    let mut pool: Vec<PoolAssessor> = (0..assessors)
        .map(|k| {
            let mut parts: Vec<String> = vec![pick_part(next()).into()];
            for _ in 0..next() % 3 {
                let p = pick_part(next()).to_string();
                if !parts.contains(&p) {
                    parts.push(p);
                }
            }
            PoolAssessor {
                parts,
                caict: k % 10 < 3,
                max_load,
                preferences: BTreeMap::new(),
            }
        })
        .collect();
    for a in pool.iter_mut() {
        for _ in 0..15 {
            a.preferences
                .insert((next() % applications as u64) as usize, Preference::Prefer);
        }
        for _ in 0..8 {
            a.preferences
                .insert((next() % applications as u64) as usize, Preference::Avoid);
        }
    }
    let apps = (0..applications)
        .map(|k| RoundApplication {
            label: format!("enterprise {k}"),
            part: pick_part(next()).into(),
            seats: Seats::default(),
            conflicts: (0..next() % 4)
                .map(|_| (next() % assessors as u64) as usize)
                .collect(),
        })
        .collect();
    (apps, pool)
}

fn summary(p: &Proposal) -> String {
    let used: Vec<u32> = p.loads.iter().copied().filter(|l| *l > 0).collect();
    let avoided: usize = p.panels.iter().map(|panel| panel.avoided_by.len()).sum();
    format!(
        "cost {:>9}, loads {}..{}, {} avoided seats",
        p.cost,
        used.iter().min().unwrap_or(&0),
        used.iter().max().unwrap_or(&0),
        avoided
    )
}

fn round_assignment(c: &mut Criterion) {
    let (apps, pool) = synthetic_round(2000, 150, 42);
    let costs = CostModel::default();

    let started = Instant::now();
    let best = assign(&apps, &pool, &costs).expect("the synthetic round is feasible");
    let best_time = started.elapsed();
    let started = Instant::now();
    let greedy =
        assign_greedy(&apps, &pool, &costs).expect("the greedy pass fills the synthetic round");
    let greedy_time = started.elapsed();
    println!("2,000 applications × 4 seats from 150 assessors (one cold run each)");
    println!(
        "  optimal (min-cost flow): {} in {:>8.1} ms",
        summary(&best),
        best_time.as_secs_f64() * 1e3
    );
    println!(
        "  greedy baseline:         {} in {:>8.1} ms",
        summary(&greedy),
        greedy_time.as_secs_f64() * 1e3
    );
    println!(
        "  greedy cost / optimal cost = {:.4}",
        greedy.cost as f64 / best.cost as f64
    );

    let mut group = c.benchmark_group("assign 2000x4 from 150");
    group.sample_size(10);
    group.bench_function("optimal", |b| {
        b.iter(|| assign(black_box(&apps), black_box(&pool), &costs).unwrap())
    });
    group.bench_function("greedy", |b| {
        b.iter(|| assign_greedy(black_box(&apps), black_box(&pool), &costs).unwrap())
    });
    group.finish();
}

criterion_group!(benches, round_assignment);
criterion_main!(benches);
