//! Round-wide panel proposal for the secretariat: every accepted application gets its
//! seats filled by distinct, qualified, unconflicted assessors with at least one CAICT
//! expert (the lead), no assessor above their maximum load, the load spread as evenly as
//! possible and preferences respected where that costs little.
//!
//! The proposal is an exact minimum-cost flow, solved here by successive shortest paths
//! (`Network::min_cost_flow`) on this network:
//!
//! ```text
//! source ─(1)──────────▶ lead_a ─(1 each)─▶ CAICT assessor i ─┐
//!    └──(seats−1)─▶ seats_a ─(seats−1)─▶ lead_a                ├─(max_load unit arcs,
//!                      └─────(1 each)─▶ other assessor j ─────┘   k-th costs w·(2k−1))─▶ sink
//! ```
//!
//! Every assessor is reached from an application by exactly one arc of capacity 1 (from
//! `lead_a` when CAICT, else from `seats_a`), so panel members are distinct. All `seats`
//! units of an application leave through those arcs, and the unit entering `lead_a`
//! directly from the source can only leave to a CAICT assessor, so a full flow gives every
//! panel at least one CAICT expert; conversely any valid set of panels routes as a full
//! flow (one CAICT member takes the source's unit, the others come through `seats_a`).
//! So the full flows are exactly the valid proposals, at the same cost:
//! `load_weight · Σ load²` (the k-th panel of an assessor costs `load_weight · (2k − 1)`)
//! plus the preference costs of the chosen pairs; the cheapest full flow is the
//! cheapest valid proposal.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::panel::{MAX_MEMBERS, MIN_MEMBERS};

/// The number of assessors on one panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Seats(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} seats: a panel needs {MIN_MEMBERS} to {MAX_MEMBERS}")]
pub struct SeatsOutOfRange(pub u8);

impl Seats {
    pub fn new(seats: u8) -> Result<Seats, SeatsOutOfRange> {
        if (MIN_MEMBERS..=MAX_MEMBERS).contains(&usize::from(seats)) {
            Ok(Seats(seats))
        } else {
            Err(SeatsOutOfRange(seats))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for Seats {
    fn default() -> Self {
        Seats(4)
    }
}

impl TryFrom<u8> for Seats {
    type Error = SeatsOutOfRange;
    fn try_from(seats: u8) -> Result<Seats, SeatsOutOfRange> {
        Seats::new(seats)
    }
}

impl From<Seats> for u8 {
    fn from(seats: Seats) -> u8 {
        seats.0
    }
}

/// An accepted application of the round, as the assigner sees it. Assessors are named by
/// their index in the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundApplication {
    /// How messages name the application, e.g. "某银行 · CD".
    pub label: String,
    pub part: String,
    pub seats: Seats,
    /// Assessors with a declared or automatic conflict with the enterprise, as
    /// `panel::conflicts` finds them.
    pub conflicts: BTreeSet<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    Prefer,
    Neutral,
    Avoid,
}

impl Preference {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Preference::Prefer => "prefer",
            Preference::Neutral => "neutral",
            Preference::Avoid => "avoid",
        }
    }
}

impl fmt::Display for Preference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Preference {
    type Err = String;
    fn from_str(s: &str) -> Result<Preference, String> {
        [Preference::Prefer, Preference::Neutral, Preference::Avoid]
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown preference '{s}'"))
    }
}

/// One assessor of the pool: only those whose certification is valid belong in it.
/// Applications are named by their index in the round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolAssessor {
    pub parts: Vec<String>,
    pub caict: bool,
    /// Panels this assessor may sit on in the round.
    pub max_load: u32,
    /// Applications not listed are neutral.
    pub preferences: BTreeMap<usize, Preference>,
}

/// What a proposal costs. Giving a seat to an assessor rather than to a colleague with `g`
/// fewer panels costs `2 · load_weight · g` more, so with the defaults a preference is
/// worth a gap of 1 panel and an avoidance a gap of 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostModel {
    /// Each assessor costs `load_weight · load²`: convex, so even loads are cheapest.
    pub load_weight: i64,
    /// Added per assignment of an assessor to an application they prefer (negative).
    pub prefer: i64,
    /// Added per assignment of an assessor to an application they would rather avoid.
    pub avoid: i64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            load_weight: 10,
            prefer: -30,
            avoid: 100,
        }
    }
}

impl CostModel {
    fn of(&self, preference: Preference) -> i64 {
        match preference {
            Preference::Prefer => self.prefer,
            Preference::Neutral => 0,
            Preference::Avoid => self.avoid,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedPanel {
    /// A CAICT member; leads are spread over the CAICT members of the panels.
    pub lead: usize,
    /// All members, the lead included, in pool order.
    pub members: Vec<usize>,
    /// Members who marked this application as one they would rather avoid, for the
    /// secretariat's attention.
    pub avoided_by: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// One panel per application, in round order.
    pub panels: Vec<ProposedPanel>,
    /// Panels per assessor, in pool order.
    pub loads: Vec<u32>,
    /// By [`proposal_cost`].
    pub cost: i64,
}

/// Why no proposal exists. The counting checks run before solving; [`Shortfall::Unfilled`]
/// reports what the solver could not fill when they all passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// Fewer qualified, unconflicted assessors than seats.
    ApplicationSeats {
        application: usize,
        label: String,
        part: String,
        seats: u8,
        eligible: usize,
    },
    /// No qualified, unconflicted CAICT expert to lead.
    ApplicationLead {
        application: usize,
        label: String,
        part: String,
    },
    /// The applications of these parts (all parts: the whole round) need more seats than
    /// the assessors qualified for them can take.
    Seats {
        parts: Vec<String>,
        whole_round: bool,
        seats: u64,
        assessors: usize,
        capacity: u64,
    },
    /// As `Seats`, for the leads only CAICT experts can take.
    Leads {
        parts: Vec<String>,
        whole_round: bool,
        leads: u64,
        experts: usize,
        capacity: u64,
    },
    /// Every count above passed but the limits combine (conflicts, shared assessors, the
    /// lead rule) so that these applications stay short.
    Unfilled {
        applications: Vec<usize>,
        labels: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// Its words are the refusal codes of `refusal::domain` (`Reason::from(&Shortfall)`);
    /// the text here is for logs only.
    #[error("no assignment exists: {0:?}")]
    Infeasible(Vec<Shortfall>),
}

/// Input the search cannot work with: indices outside the round or pool, or weights that
/// would overflow its costs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    #[error(
        "assessor {assessor} has a preference for application {application}; the round has {count}"
    )]
    PreferenceOutOfRange {
        assessor: usize,
        application: usize,
        count: usize,
    },
    #[error("{application} lists a conflict with assessor {assessor}; the pool has {pool}")]
    ConflictOutOfRange {
        application: String,
        assessor: usize,
        pool: usize,
    },
    #[error("the load weight must not be negative")]
    NegativeLoadWeight,
    #[error("the cost model's weights are too large: one seat may cost at most {max}")]
    WeightsTooLarge { max: i64 },
}

/// The one cost function both the optimal and the greedy proposal are measured with:
/// `load_weight · Σ load²` plus each member's preference cost.
pub fn proposal_cost(
    assessors: &[PoolAssessor],
    panels: &[ProposedPanel],
    costs: &CostModel,
) -> i64 {
    let mut loads = vec![0i64; assessors.len()];
    let mut total = 0;
    for (a, panel) in panels.iter().enumerate() {
        for &i in &panel.members {
            loads[i] += 1;
            total += costs.of(preference(&assessors[i], a));
        }
    }
    total + loads.iter().map(|l| costs.load_weight * l * l).sum::<i64>()
}

fn preference(assessor: &PoolAssessor, application: usize) -> Preference {
    assessor
        .preferences
        .get(&application)
        .copied()
        .unwrap_or(Preference::Neutral)
}

/// The part of each application and who may sit on it, shared by the checks, the solver
/// and the greedy baseline.
struct Eligibility {
    part_names: Vec<String>,
    app_part: Vec<usize>,
    /// Assessor indices qualified for each part, in pool order, without those with no load.
    qualified: Vec<Vec<usize>>,
    assessor_parts: Vec<Vec<usize>>,
    /// Per application, its conflicts as a sorted list.
    conflicts: Vec<Vec<usize>>,
    /// Per application, the few assessors with a preference about it.
    preferences: Vec<Vec<(usize, Preference)>>,
}

impl Eligibility {
    fn new(
        apps: &[RoundApplication],
        assessors: &[PoolAssessor],
    ) -> Result<Eligibility, AssignError> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut part_names = Vec::new();
        let mut app_part = Vec::with_capacity(apps.len());
        for app in apps {
            let next = index.len();
            let p = *index.entry(app.part.as_str()).or_insert_with(|| {
                part_names.push(app.part.clone());
                next
            });
            app_part.push(p);
        }
        let mut qualified = vec![Vec::new(); part_names.len()];
        let mut assessor_parts = vec![Vec::new(); assessors.len()];
        let mut preferences = vec![Vec::new(); apps.len()];
        for (i, a) in assessors.iter().enumerate() {
            for part in &a.parts {
                if let Some(&p) = index.get(part.as_str()) {
                    if a.max_load > 0 && !assessor_parts[i].contains(&p) {
                        assessor_parts[i].push(p);
                        qualified[p].push(i);
                    }
                }
            }
            for (&app, &preference) in &a.preferences {
                if app >= apps.len() {
                    return Err(InvalidInput::PreferenceOutOfRange {
                        assessor: i,
                        application: app,
                        count: apps.len(),
                    }
                    .into());
                }
                preferences[app].push((i, preference));
            }
        }
        let mut conflicts = Vec::with_capacity(apps.len());
        for app in apps {
            if let Some(i) = app.conflicts.iter().find(|i| **i >= assessors.len()) {
                return Err(InvalidInput::ConflictOutOfRange {
                    application: app.label.clone(),
                    assessor: *i,
                    pool: assessors.len(),
                }
                .into());
            }
            conflicts.push(app.conflicts.iter().copied().collect());
        }
        Ok(Eligibility {
            part_names,
            app_part,
            qualified,
            assessor_parts,
            conflicts,
            preferences,
        })
    }

    fn preference(&self, a: usize, i: usize) -> Preference {
        self.preferences[a]
            .iter()
            .find(|(j, _)| *j == i)
            .map_or(Preference::Neutral, |(_, p)| *p)
    }

    fn eligible(&self, a: usize) -> impl Iterator<Item = usize> + '_ {
        let conflicts = &self.conflicts[a];
        self.qualified[self.app_part[a]]
            .iter()
            .copied()
            .filter(move |i| conflicts.binary_search(i).is_err())
    }
}

/// Counting bounds that no assignment can beat, checked before solving so that the
/// secretariat learns which rule and which part fall short.
fn shortfalls(
    apps: &[RoundApplication],
    assessors: &[PoolAssessor],
    el: &Eligibility,
) -> Vec<Shortfall> {
    let mut found = Vec::new();
    let mut reported = vec![false; apps.len()];
    let parts = el.part_names.len();
    // eligible[i][p]: applications of part p that assessor i could sit on.
    let mut eligible = vec![vec![0u64; parts]; assessors.len()];
    for (a, app) in apps.iter().enumerate() {
        let p = el.app_part[a];
        let (mut count, mut caict) = (0, 0);
        for i in el.eligible(a) {
            count += 1;
            caict += usize::from(assessors[i].caict);
        }
        reported[a] = count < usize::from(app.seats.0) || caict == 0;
        if !reported[a] {
            for i in el.eligible(a) {
                eligible[i][p] += 1;
            }
        }
        if count < usize::from(app.seats.0) {
            found.push(Shortfall::ApplicationSeats {
                application: a,
                label: app.label.clone(),
                part: app.part.clone(),
                seats: app.seats.0,
                eligible: count,
            });
        }
        if caict == 0 {
            found.push(Shortfall::ApplicationLead {
                application: a,
                label: app.label.clone(),
                part: app.part.clone(),
            });
        }
    }
    let mut seats = vec![0u64; parts];
    let mut leads = vec![0u64; parts];
    for (a, app) in apps.iter().enumerate().filter(|(a, _)| !reported[*a]) {
        seats[el.app_part[a]] += u64::from(app.seats.0);
        leads[el.app_part[a]] += 1;
    }

    // Hall's condition over sets of parts, for the applications not reported above: every
    // subset of parts while that stays cheap, otherwise single parts and the whole round.
    // Only the smallest failing sets are reported; their supersets add nothing.
    let mut sets: Vec<Vec<usize>> = if parts <= 12 {
        (1u32..1 << parts)
            .map(|mask| (0..parts).filter(|p| mask & (1 << p) != 0).collect())
            .collect()
    } else {
        (0..parts)
            .map(|p| vec![p])
            .chain([(0..parts).collect()])
            .collect()
    };
    sets.sort_by_key(Vec::len);
    let mut failed_size = None;
    for set in sets {
        if failed_size.is_some_and(|size| set.len() > size) {
            break;
        }
        let mut member = vec![false; parts];
        set.iter().for_each(|p| member[*p] = true);
        let need_seats: u64 = set.iter().map(|p| seats[*p]).sum();
        let need_leads: u64 = set.iter().map(|p| leads[*p]).sum();
        let (mut people, mut capacity, mut experts, mut lead_capacity) = (0, 0, 0, 0);
        for (i, a) in assessors.iter().enumerate() {
            if !el.assessor_parts[i].iter().any(|p| member[*p]) {
                continue;
            }
            let can = u64::from(a.max_load).min(set.iter().map(|p| eligible[i][*p]).sum());
            people += 1;
            capacity += can;
            if a.caict {
                experts += 1;
                lead_capacity += can;
            }
        }
        let whole_round = set.len() == parts && parts > 1;
        let names: Vec<String> = set.iter().map(|p| el.part_names[*p].clone()).collect();
        if need_seats > capacity {
            found.push(Shortfall::Seats {
                parts: names.clone(),
                whole_round,
                seats: need_seats,
                assessors: people,
                capacity,
            });
            failed_size = Some(set.len());
        }
        if need_leads > lead_capacity {
            found.push(Shortfall::Leads {
                parts: names,
                whole_round,
                leads: need_leads,
                experts,
                capacity: lead_capacity,
            });
            failed_size = Some(set.len());
        }
    }
    found
}

/// Arc costs are 32-bit, which bounds the cost of one seat.
const MAX_UNIT_COST: i64 = 1_000_000_000;

/// The optimal proposal: every rule holds and no other valid proposal costs less.
pub fn assign(
    apps: &[RoundApplication],
    assessors: &[PoolAssessor],
    costs: &CostModel,
) -> Result<Proposal, AssignError> {
    if costs.load_weight < 0 {
        return Err(InvalidInput::NegativeLoadWeight.into());
    }
    // Preference costs are shifted to be non-negative so that Dijkstra starts from zero
    // potentials; every unit crosses exactly one such arc, so the optimum is unchanged.
    let shift = costs.prefer.min(costs.avoid).min(0);
    let widest_load = assessors
        .iter()
        .map(|a| i64::from(a.max_load).min(apps.len() as i64))
        .max()
        .unwrap_or(0);
    let preference_span = costs.prefer.max(costs.avoid).max(0).saturating_sub(shift);
    if preference_span > MAX_UNIT_COST
        || costs.load_weight.saturating_mul(2 * widest_load) > MAX_UNIT_COST
    {
        return Err(InvalidInput::WeightsTooLarge { max: MAX_UNIT_COST }.into());
    }
    let el = Eligibility::new(apps, assessors)?;
    let found = shortfalls(apps, assessors, &el);
    if !found.is_empty() {
        return Err(AssignError::Infeasible(found));
    }

    let (n_apps, n_assessors) = (apps.len(), assessors.len());
    let (source, sink) = (0u32, 1u32);
    let seats_node = |a: usize| (2 + 2 * a) as u32;
    let lead_node = |a: usize| (3 + 2 * a) as u32;
    let assessor_node = |i: usize| (2 + 2 * n_apps + i) as u32;

    let mut net = NetworkBuilder::default();
    let mut reach = vec![0u32; n_assessors];
    let mut demand = 0i64;
    for (a, app) in apps.iter().enumerate() {
        let seats = i32::from(app.seats.0);
        demand += i64::from(seats);
        net.arc(source, lead_node(a), 1, 0);
        net.arc(source, seats_node(a), seats - 1, 0);
        net.arc(seats_node(a), lead_node(a), seats - 1, 0);
        for i in el.eligible(a) {
            let from = if assessors[i].caict {
                lead_node(a)
            } else {
                seats_node(a)
            };
            net.arc(
                from,
                assessor_node(i),
                1,
                (costs.of(el.preference(a, i)) - shift) as i32,
            );
            reach[i] += 1;
        }
    }
    for (i, a) in assessors.iter().enumerate() {
        for k in 1..=i64::from(a.max_load.min(reach[i])) {
            net.arc(
                assessor_node(i),
                sink,
                1,
                (costs.load_weight * (2 * k - 1)) as i32,
            );
        }
    }

    let mut network = net.build((2 + 2 * n_apps + n_assessors) as u32);
    let flow = network.min_cost_flow(source, sink, demand);

    let first_assessor = assessor_node(0);
    let members: Vec<Vec<usize>> = (0..n_apps)
        .map(|a| {
            let mut m: Vec<usize> = [seats_node(a), lead_node(a)]
                .into_iter()
                .flat_map(|node| network.saturated_heads(node))
                .filter(|v| *v >= first_assessor)
                .map(|v| (v - first_assessor) as usize)
                .collect();
            m.sort_unstable();
            m
        })
        .collect();
    if flow < demand {
        let short: Vec<usize> = (0..n_apps)
            .filter(|a| {
                members[*a].len() < usize::from(apps[*a].seats.0)
                    || !members[*a].iter().any(|i| assessors[*i].caict)
            })
            .collect();
        return Err(AssignError::Infeasible(vec![Shortfall::Unfilled {
            labels: short.iter().map(|a| apps[*a].label.clone()).collect(),
            applications: short,
        }]));
    }
    Ok(proposal_from(members, apps, assessors, costs))
}

/// The baseline: applications in round order, each taking the least-loaded eligible
/// CAICT expert as lead and then the least-loaded eligible assessors (preferences only
/// break ties). `None` when it paints itself into a corner.
pub fn assign_greedy(
    apps: &[RoundApplication],
    assessors: &[PoolAssessor],
    costs: &CostModel,
) -> Option<Proposal> {
    let el = Eligibility::new(apps, assessors).ok()?;
    let mut loads = vec![0u32; assessors.len()];
    let mut members = Vec::with_capacity(apps.len());
    for (a, app) in apps.iter().enumerate() {
        let mut open: Vec<(u32, i64, usize)> = el
            .eligible(a)
            .filter(|i| loads[*i] < assessors[*i].max_load)
            .map(|i| (loads[i], costs.of(el.preference(a, i)), i))
            .collect();
        open.sort_unstable();
        let lead = open.iter().map(|o| o.2).find(|i| assessors[*i].caict)?;
        let mut panel = vec![lead];
        panel.extend(
            open.iter()
                .map(|o| o.2)
                .filter(|i| *i != lead)
                .take(usize::from(app.seats.0) - 1),
        );
        if panel.len() < usize::from(app.seats.0) {
            return None;
        }
        for &i in &panel {
            loads[i] += 1;
        }
        panel.sort_unstable();
        members.push(panel);
    }
    Some(proposal_from(members, apps, assessors, costs))
}

fn proposal_from(
    members: Vec<Vec<usize>>,
    apps: &[RoundApplication],
    assessors: &[PoolAssessor],
    costs: &CostModel,
) -> Proposal {
    let mut loads = vec![0u32; assessors.len()];
    let mut leads = vec![0u32; assessors.len()];
    let panels: Vec<ProposedPanel> = members
        .into_iter()
        .enumerate()
        .map(|(a, members)| {
            debug_assert_eq!(members.len(), usize::from(apps[a].seats.0));
            let lead = members
                .iter()
                .copied()
                .filter(|i| assessors[*i].caict)
                .min_by_key(|i| (leads[*i], *i))
                .expect("every panel has a CAICT member");
            leads[lead] += 1;
            for &i in &members {
                loads[i] += 1;
            }
            let avoided_by = members
                .iter()
                .copied()
                .filter(|i| preference(&assessors[*i], a) == Preference::Avoid)
                .collect();
            ProposedPanel {
                lead,
                members,
                avoided_by,
            }
        })
        .collect();
    let cost = proposal_cost(assessors, &panels, costs);
    Proposal {
        panels,
        loads,
        cost,
    }
}

#[derive(Default)]
struct NetworkBuilder {
    arcs: Vec<(u32, u32, i32, i32)>,
}

impl NetworkBuilder {
    fn arc(&mut self, from: u32, to: u32, cap: i32, cost: i32) {
        self.arcs.push((from, to, cap, cost));
    }

    /// Lays the arcs out by tail node, each beside the reverse halves of the arcs entering
    /// that node, so that scanning a node reads one contiguous block.
    fn build(self, nodes: u32) -> Network {
        let n = nodes as usize;
        let mut start = vec![0u32; n + 1];
        let mut live = vec![0u32; n];
        for &(u, v, cap, _) in &self.arcs {
            start[u as usize + 1] += 1;
            start[v as usize + 1] += 1;
            live[u as usize] += u32::from(cap > 0);
        }
        for k in 0..n {
            start[k + 1] += start[k];
        }
        // Arcs with capacity go first in each block, the empty reverse halves after them.
        let mut fill_live: Vec<u32> = start[..n].to_vec();
        let mut fill_empty: Vec<u32> = (0..n).map(|u| start[u] + live[u]).collect();
        let live_end = fill_empty.clone();
        let mut heads = vec![Head { to: 0, cost: 0 }; 2 * self.arcs.len()];
        let mut links = vec![Link { rev: 0, cap: 0 }; 2 * self.arcs.len()];
        for &(u, v, cap, cost) in &self.arcs {
            let slot = if cap > 0 {
                &mut fill_live[u as usize]
            } else {
                &mut fill_empty[u as usize]
            };
            let f = *slot;
            *slot += 1;
            let b = fill_empty[v as usize];
            fill_empty[v as usize] += 1;
            heads[f as usize] = Head { to: v, cost };
            links[f as usize] = Link { rev: b, cap };
            heads[b as usize] = Head { to: u, cost: -cost };
            links[b as usize] = Link { rev: f, cap: 0 };
        }
        Network {
            start,
            live_end,
            heads,
            links,
        }
    }
}

/// What a search reads of an arc; costs are 32-bit to keep it at 8 bytes, since the
/// searches are bound by memory traffic.
#[derive(Clone, Copy)]
struct Head {
    to: u32,
    cost: i32,
}

/// What only an augmentation needs.
#[derive(Clone, Copy)]
struct Link {
    /// Where the reverse half is.
    rev: u32,
    /// Residual capacity.
    cap: i32,
}

/// A residual network whose node blocks keep the arcs with capacity in front
/// (`start[u]..live_end[u]`), so that searches skip the many used-up arcs without reading
/// them. An arc moves within its block when it fills or empties; its reverse half's `rev`
/// follows it.
struct Network {
    start: Vec<u32>,
    live_end: Vec<u32>,
    heads: Vec<Head>,
    links: Vec<Link>,
}

/// A node's part in one augmentation sweep.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Open,
    OnPath,
    /// No admissible path to the sink from here in this sweep.
    Dead,
}

impl Network {
    /// Heads of the arcs leaving `u` that have no residual capacity: for the arcs of the
    /// original network, those used to capacity.
    fn saturated_heads(&self, u: u32) -> impl Iterator<Item = u32> + '_ {
        let block = self.live_end[u as usize] as usize..self.start[u as usize + 1] as usize;
        self.heads[block].iter().map(|h| h.to)
    }

    fn live(&self, u: usize) -> std::ops::Range<usize> {
        self.start[u] as usize..self.live_end[u] as usize
    }

    fn swap_arcs(&mut self, x: usize, y: usize) {
        if x != y {
            self.heads.swap(x, y);
            self.links.swap(x, y);
            let (rx, ry) = (self.links[x].rev as usize, self.links[y].rev as usize);
            self.links[rx].rev = x as u32;
            self.links[ry].rev = y as u32;
        }
    }

    /// Moves `amount` units along `arc`, keeping both halves in the right part of their
    /// blocks. Of the two, only an arc that fills up can leave its place among the live
    /// arcs; a reverse half that gains capacity joins them at the end.
    fn push(&mut self, arc: usize, amount: i32) {
        let back = self.links[arc].rev as usize;
        let (u, v) = (self.heads[back].to as usize, self.heads[arc].to as usize);
        self.links[arc].cap -= amount;
        if self.links[arc].cap == 0 {
            self.live_end[u] -= 1;
            self.swap_arcs(arc, self.live_end[u] as usize);
        }
        let back = if self.links[back].cap == 0 {
            let slot = self.live_end[v] as usize;
            self.live_end[v] += 1;
            self.swap_arcs(back, slot);
            slot
        } else {
            back
        };
        self.links[back].cap += amount;
    }

    /// Sends up to `limit` units from `s` to `t` at minimum cost (arc costs must be
    /// non-negative) and returns the amount sent.
    ///
    /// Each phase runs Dijkstra on reduced costs, stopped at the sink, and lifts the
    /// potentials by the distances capped at the sink's, which keeps every residual
    /// reduced cost non-negative; the arcs of reduced cost zero then hold all the
    /// cheapest augmenting paths, and one depth-first sweep pushes along as many of them
    /// as it finds. Pushing along zero-reduced-cost paths keeps the flow cheapest for its
    /// value, so the flow is optimal when it stops.
    fn min_cost_flow(&mut self, s: u32, t: u32, limit: i64) -> i64 {
        let n = self.start.len() - 1;
        let mut pot = vec![0i64; n];
        let mut dist = vec![i64::MAX; n];
        let mut heap = BinaryHeap::new();
        let mut sweep = Sweep {
            next_arc: vec![0; n],
            mark: vec![Mark::Open; n],
            arcs: Vec::new(),
            nodes: Vec::new(),
        };
        let mut flow = 0i64;
        while flow < limit {
            dist.fill(i64::MAX);
            dist[s as usize] = 0;
            heap.clear();
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                let u = u as usize;
                if d > dist[u] {
                    continue;
                }
                if u == t as usize {
                    break;
                }
                let base = d + pot[u];
                for head in &self.heads[self.live(u)] {
                    let v = head.to as usize;
                    let nd = base + i64::from(head.cost) - pot[v];
                    if nd < dist[v] {
                        dist[v] = nd;
                        heap.push(Reverse((nd, head.to)));
                    }
                }
            }
            let reached = dist[t as usize];
            if reached == i64::MAX {
                break;
            }
            for (p, d) in pot.iter_mut().zip(&dist) {
                *p += (*d).min(reached);
            }
            flow += self.sweep(s as usize, t as usize, limit - flow, &pot, &mut sweep);
        }
        flow
    }

    /// Pushes flow along zero-reduced-cost paths from `s` to `t`, depth first, never
    /// entering a node twice on one path nor a node found dead. Returns the amount pushed:
    /// at least one unit when such a path exists (the first search is a plain depth-first
    /// search); later ones may miss paths, which the next phase then finds.
    fn sweep(&mut self, s: usize, t: usize, limit: i64, pot: &[i64], state: &mut Sweep) -> i64 {
        let Sweep {
            next_arc,
            mark,
            arcs: path,
            nodes,
        } = state;
        let n = next_arc.len();
        next_arc.copy_from_slice(&self.start[..n]);
        mark.fill(Mark::Open);
        path.clear();
        nodes.clear();
        nodes.push(s as u32);
        mark[s] = Mark::OnPath;
        let mut pushed = 0i64;
        loop {
            let u = *nodes.last().expect("the path starts at the source") as usize;
            if u == t {
                let room = path
                    .iter()
                    .map(|a| self.links[*a as usize].cap)
                    .min()
                    .unwrap_or(0);
                let amount = i64::from(room).min(limit - pushed);
                // A path arc that does not fill up keeps its place (see `push`).
                let first_full = path
                    .iter()
                    .position(|a| i64::from(self.links[*a as usize].cap) == amount)
                    .unwrap_or(0);
                for &a in path.iter() {
                    self.push(a as usize, amount as i32);
                }
                pushed += amount;
                if pushed == limit {
                    return pushed;
                }
                for &v in &nodes[first_full + 1..] {
                    mark[v as usize] = Mark::Open;
                }
                path.truncate(first_full);
                nodes.truncate(first_full + 1);
                continue;
            }
            let from = next_arc[u] as usize;
            let pu = pot[u];
            let admissible = self.heads[from..self.live_end[u] as usize]
                .iter()
                .position(|h| {
                    let v = h.to as usize;
                    mark[v] == Mark::Open && i64::from(h.cost) + pu == pot[v]
                });
            match admissible {
                Some(k) => {
                    let arc = from + k;
                    next_arc[u] = arc as u32;
                    let v = self.heads[arc].to;
                    path.push(arc as u32);
                    nodes.push(v);
                    mark[v as usize] = Mark::OnPath;
                }
                None => {
                    next_arc[u] = self.live_end[u];
                    mark[u] = Mark::Dead;
                    if path.pop().is_none() {
                        return pushed;
                    }
                    nodes.pop();
                    let parent = *nodes.last().expect("the source stays on the path") as usize;
                    next_arc[parent] += 1;
                }
            }
        }
    }
}

/// Scratch space of [`Network::sweep`], kept across phases.
struct Sweep {
    next_arc: Vec<u32>,
    mark: Vec<Mark>,
    /// The current path's arcs, and its nodes from the source on.
    arcs: Vec<u32>,
    nodes: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn app(label: &str, part: &str, seats: u8, conflicts: &[usize]) -> RoundApplication {
        RoundApplication {
            label: label.into(),
            part: part.into(),
            seats: Seats::new(seats).unwrap(),
            conflicts: conflicts.iter().copied().collect(),
        }
    }

    fn assessor(parts: &[&str], caict: bool, max_load: u32) -> PoolAssessor {
        PoolAssessor {
            parts: parts.iter().map(|p| p.to_string()).collect(),
            caict,
            max_load,
            preferences: BTreeMap::new(),
        }
    }

    /// Every rule of a proposal, checked from scratch.
    fn valid(
        p: &Proposal,
        apps: &[RoundApplication],
        assessors: &[PoolAssessor],
        costs: &CostModel,
    ) -> Result<(), String> {
        let mut loads = vec![0u32; assessors.len()];
        for (a, (panel, app)) in p.panels.iter().zip(apps).enumerate() {
            let mut m = panel.members.clone();
            m.dedup();
            if m.len() != panel.members.len() || m.len() != usize::from(app.seats.get()) {
                return Err(format!("application {a}: members {:?}", panel.members));
            }
            if !panel.members.contains(&panel.lead) || !assessors[panel.lead].caict {
                return Err(format!("application {a}: lead {}", panel.lead));
            }
            for &i in &panel.members {
                if !assessors[i].parts.contains(&app.part) || app.conflicts.contains(&i) {
                    return Err(format!("application {a}: assessor {i} is not eligible"));
                }
                loads[i] += 1;
            }
        }
        if p.panels.len() != apps.len() || loads != p.loads {
            return Err("loads".into());
        }
        if let Some(i) = (0..assessors.len()).find(|i| loads[*i] > assessors[*i].max_load) {
            return Err(format!("assessor {i} over maximum load"));
        }
        if p.cost != proposal_cost(assessors, &p.panels, costs) {
            return Err("cost".into());
        }
        Ok(())
    }

    fn shortfalls_of(r: Result<Proposal, AssignError>) -> Vec<Shortfall> {
        match r {
            Err(AssignError::Infeasible(s)) => s,
            other => panic!("expected infeasible, got {other:?}"),
        }
    }

    #[test]
    fn a_small_round_is_assigned_evenly_with_a_caict_lead_each() {
        let apps = [
            app("甲银行 · CD", "CD", 3, &[]),
            app("乙证券 · CD", "CD", 3, &[0]),
            app("丙保险 · CD", "CD", 3, &[]),
        ];
        let pool = vec![
            assessor(&["CD"], true, 3),
            assessor(&["CD"], true, 3),
            assessor(&["CD"], false, 3),
            assessor(&["CD"], false, 3),
            assessor(&["CD"], false, 3),
            assessor(&["TO"], true, 3),
        ];
        let costs = CostModel::default();
        let p = assign(&apps, &pool, &costs).unwrap();
        valid(&p, &apps, &pool, &costs).unwrap();
        assert!(!p.panels[1].members.contains(&0));
        assert_eq!(p.loads[5], 0);
        // 9 seats over 5 assessors: loads 2,2,2,2,1 are the most even.
        let mut loads = p.loads[..5].to_vec();
        loads.sort();
        assert_eq!(loads, [1, 2, 2, 2, 2]);
        assert_eq!(p.cost, 10 * (4 * 4 + 1));
    }

    #[test]
    fn the_optimum_sees_what_the_greedy_pass_cannot() {
        // The greedy pass gives the first application the only lead the second can have.
        let apps = [app("A", "CD", 3, &[]), app("B", "CD", 3, &[1])];
        let pool = vec![
            assessor(&["CD"], true, 1),
            assessor(&["CD"], true, 1),
            assessor(&["CD"], false, 2),
            assessor(&["CD"], false, 2),
        ];
        let costs = CostModel::default();
        assert_eq!(assign_greedy(&apps, &pool, &costs), None);
        let p = assign(&apps, &pool, &costs).unwrap();
        valid(&p, &apps, &pool, &costs).unwrap();
        assert_eq!((p.panels[0].lead, p.panels[1].lead), (1, 0));

        // Least-loaded first seats the expert qualified for both parts on the CD panel,
        // so the TO panel has to load the same expert twice.
        let apps = [app("A", "CD", 3, &[]), app("B", "TO", 3, &[])];
        let pool = vec![
            assessor(&["CD", "TO"], true, 2),
            assessor(&["CD"], true, 2),
            assessor(&["CD", "TO"], false, 2),
            assessor(&["CD"], false, 2),
            assessor(&["CD"], false, 2),
            assessor(&["TO"], false, 2),
            assessor(&["TO"], false, 2),
        ];
        let greedy = assign_greedy(&apps, &pool, &costs).unwrap();
        let best = assign(&apps, &pool, &costs).unwrap();
        valid(&greedy, &apps, &pool, &costs).unwrap();
        valid(&best, &apps, &pool, &costs).unwrap();
        assert_eq!((best.cost, greedy.cost), (60, 80));
        assert!(best.loads.iter().all(|l| *l <= 1) && best.panels[1].members.contains(&0));
    }

    #[test]
    fn preferences_are_honoured_when_they_cost_little() {
        let mut pool: Vec<_> = (0..6).map(|k| assessor(&["CD"], k < 2, 2)).collect();
        pool[5].preferences.insert(0, Preference::Prefer);
        pool[2].preferences.insert(0, Preference::Avoid);
        let apps = [app("A", "CD", 3, &[]), app("B", "CD", 3, &[])];
        let p = assign(&apps, &pool, &CostModel::default()).unwrap();
        assert!(p.panels[0].members.contains(&5) && !p.panels[0].members.contains(&2));
        assert_eq!(p.loads, [1, 1, 1, 1, 1, 1]);
        assert_eq!(p.cost, 60 - 30);
    }

    #[test]
    fn an_avoided_application_is_taken_only_when_needed_and_flagged() {
        let mut pool = vec![
            assessor(&["CD"], true, 1),
            assessor(&["CD"], false, 1),
            assessor(&["CD"], false, 1),
        ];
        pool[2].preferences.insert(0, Preference::Avoid);
        let apps = [app("A", "CD", 3, &[])];
        let p = assign(&apps, &pool, &CostModel::default()).unwrap();
        assert_eq!(p.panels[0].avoided_by, [2]);
    }

    #[test]
    fn a_part_short_of_assessors_is_named_before_solving() {
        let apps: Vec<_> = (0..4)
            .map(|k| app(&format!("S{k}"), "SEC", 4, &[]))
            .collect();
        let pool: Vec<_> = (0..5)
            .map(|k| assessor(&["SEC"], k == 0, 3))
            .chain([assessor(&["CD"], true, 9)])
            .collect();
        assert_eq!(
            shortfalls_of(assign(&apps, &pool, &CostModel::default())),
            [
                Shortfall::Seats {
                    parts: vec!["SEC".into()],
                    whole_round: false,
                    seats: 16,
                    assessors: 5,
                    capacity: 15,
                },
                Shortfall::Leads {
                    parts: vec!["SEC".into()],
                    whole_round: false,
                    leads: 4,
                    experts: 1,
                    capacity: 3,
                },
            ]
        );
    }

    #[test]
    fn an_application_without_enough_eligible_assessors_or_a_lead_is_named() {
        let apps = [app("丁集团 · TO", "TO", 3, &[0, 1])];
        let pool = vec![
            assessor(&["TO"], true, 5),
            assessor(&["TO"], false, 5),
            assessor(&["TO"], false, 5),
            assessor(&["TO"], false, 5),
            assessor(&["TO"], false, 5),
        ];
        assert_eq!(
            shortfalls_of(assign(&apps, &pool, &CostModel::default())),
            [Shortfall::ApplicationLead {
                application: 0,
                label: "丁集团 · TO".into(),
                part: "TO".into(),
            }]
        );
        let apps = [app("丁集团 · TO", "TO", 5, &[1])];
        assert_eq!(
            shortfalls_of(assign(&apps, &pool, &CostModel::default())),
            [Shortfall::ApplicationSeats {
                application: 0,
                label: "丁集团 · TO".into(),
                part: "TO".into(),
                seats: 5,
                eligible: 4,
            }]
        );
    }

    #[test]
    fn parts_that_share_assessors_are_checked_together() {
        let apps = [app("A", "CD", 3, &[]), app("B", "TO", 3, &[])];
        let pool = vec![
            assessor(&["CD", "TO"], true, 2),
            assessor(&["CD", "TO"], false, 1),
            assessor(&["CD", "TO"], false, 1),
            assessor(&["CD", "TO"], false, 1),
        ];
        assert_eq!(
            shortfalls_of(assign(&apps, &pool, &CostModel::default())),
            [Shortfall::Seats {
                parts: vec!["CD".into(), "TO".into()],
                whole_round: true,
                seats: 6,
                assessors: 4,
                capacity: 5,
            }]
        );
        let apps = [
            app("A", "CD", 3, &[]),
            app("B", "TO", 3, &[]),
            app("C", "SEC", 3, &[]),
        ];
        let mut pool: Vec<_> = (0..3).map(|_| assessor(&["CD", "TO"], false, 1)).collect();
        pool.extend([
            assessor(&["CD", "TO"], true, 1),
            assessor(&["SEC"], true, 3),
            assessor(&["SEC"], false, 1),
            assessor(&["SEC"], false, 1),
        ]);
        assert_eq!(
            shortfalls_of(assign(&apps, &pool, &CostModel::default())),
            [
                Shortfall::Seats {
                    parts: vec!["CD".into(), "TO".into()],
                    whole_round: false,
                    seats: 6,
                    assessors: 4,
                    capacity: 4,
                },
                Shortfall::Leads {
                    parts: vec!["CD".into(), "TO".into()],
                    whole_round: false,
                    leads: 2,
                    experts: 1,
                    capacity: 1,
                },
            ]
        );
    }

    #[test]
    fn when_the_counts_pass_but_no_assignment_exists_the_short_applications_are_named() {
        // X and Y both conflict with every CAICT expert but the first, who can sit once.
        let apps = [
            app("X", "CD", 3, &[1, 2]),
            app("Y", "CD", 3, &[1, 2]),
            app("W", "CD", 3, &[]),
        ];
        let mut pool = vec![
            assessor(&["CD"], true, 1),
            assessor(&["CD"], true, 5),
            assessor(&["CD"], true, 5),
        ];
        pool.extend((0..4).map(|_| assessor(&["CD"], false, 5)));
        let shortfalls = shortfalls_of(assign(&apps, &pool, &CostModel::default()));
        let [Shortfall::Unfilled {
            applications,
            labels,
        }] = shortfalls.as_slice()
        else {
            panic!("expected one unfilled shortfall, got {shortfalls:?}");
        };
        assert!(
            labels == &["X"] && applications == &[0] || labels == &["Y"] && applications == &[1],
            "{labels:?} {applications:?}"
        );
    }

    #[test]
    fn bad_indices_and_seat_counts_are_refused() {
        assert!(Seats::new(2).is_err() && Seats::new(6).is_err() && Seats::new(5).is_ok());
        assert_eq!(Seats::default().get(), 4);
        let apps = [app("A", "CD", 3, &[7])];
        assert!(matches!(
            assign(&apps, &[], &CostModel::default()),
            Err(AssignError::Invalid(_))
        ));
        let mut pool = vec![assessor(&["CD"], true, 1)];
        pool[0].preferences.insert(3, Preference::Prefer);
        assert!(matches!(
            assign(&[], &pool, &CostModel::default()),
            Err(AssignError::Invalid(_))
        ));
        assert_eq!(assign(&[], &[], &CostModel::default()).unwrap().cost, 0);
    }

    /// The cheapest valid proposal by trying every combination of panels.
    fn brute_force(
        apps: &[RoundApplication],
        pool: &[PoolAssessor],
        costs: &CostModel,
    ) -> Option<i64> {
        fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
            (0u32..1 << n)
                .filter(|m| m.count_ones() as usize == k)
                .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
                .collect()
        }
        let options: Vec<Vec<Vec<usize>>> = apps
            .iter()
            .map(|app| {
                subsets(pool.len(), usize::from(app.seats.get()))
                    .into_iter()
                    .filter(|s| s.iter().any(|i| pool[*i].caict))
                    .filter(|s| {
                        s.iter().all(|i| {
                            pool[*i].parts.contains(&app.part) && !app.conflicts.contains(i)
                        })
                    })
                    .collect()
            })
            .collect();
        fn go(
            a: usize,
            options: &[Vec<Vec<usize>>],
            chosen: &mut Vec<Vec<usize>>,
            pool: &[PoolAssessor],
            costs: &CostModel,
            best: &mut Option<i64>,
        ) {
            if a == options.len() {
                let panels: Vec<ProposedPanel> = chosen
                    .iter()
                    .map(|m| ProposedPanel {
                        lead: m[0],
                        members: m.clone(),
                        avoided_by: vec![],
                    })
                    .collect();
                let mut loads = vec![0u32; pool.len()];
                chosen.iter().flatten().for_each(|i| loads[*i] += 1);
                if loads.iter().zip(pool).all(|(l, p)| *l <= p.max_load) {
                    let c = proposal_cost(pool, &panels, costs);
                    *best = Some(best.map_or(c, |b| b.min(c)));
                }
                return;
            }
            for option in &options[a] {
                chosen.push(option.clone());
                go(a + 1, options, chosen, pool, costs, best);
                chosen.pop();
            }
        }
        let mut best = None;
        go(0, &options, &mut Vec::new(), pool, costs, &mut best);
        best
    }

    /// Rounds small enough to solve by brute force, about half of them feasible.
    fn small_round() -> impl Strategy<Value = (Vec<RoundApplication>, Vec<PoolAssessor>, CostModel)>
    {
        let pool = proptest::collection::vec(
            (
                (prop::bool::weighted(0.85), prop::bool::weighted(0.85)),
                prop::bool::weighted(0.5),
                1u32..4,
                proptest::collection::vec(0u8..6, 3),
            ),
            4..8,
        );
        let apps = proptest::collection::vec(
            (
                prop::bool::ANY,
                3u8..5,
                proptest::collection::vec(0usize..8, 0..3),
            ),
            1..4,
        );
        let costs =
            (0i64..20, -40i64..1, 0i64..120).prop_map(|(load_weight, prefer, avoid)| CostModel {
                load_weight,
                prefer,
                avoid,
            });
        (pool, apps, costs).prop_map(|(pool, apps, costs)| {
            let n = pool.len();
            let apps: Vec<RoundApplication> = apps
                .into_iter()
                .enumerate()
                .map(|(k, (cd, seats, conflicts))| RoundApplication {
                    label: format!("申请{k}"),
                    part: if cd { "CD" } else { "TO" }.into(),
                    seats: Seats::new(seats).unwrap(),
                    conflicts: conflicts.into_iter().filter(|i| *i < n).collect(),
                })
                .collect();
            let pool = pool
                .into_iter()
                .map(|((cd, to), caict, max_load, prefs)| PoolAssessor {
                    parts: [(cd, "CD"), (to, "TO")]
                        .into_iter()
                        .filter(|(q, _)| *q)
                        .map(|(_, p)| p.to_string())
                        .collect(),
                    caict,
                    max_load,
                    preferences: prefs
                        .into_iter()
                        .enumerate()
                        .filter(|(a, _)| *a < apps.len())
                        .filter_map(|(a, p)| match p {
                            0 => Some((a, Preference::Prefer)),
                            1 => Some((a, Preference::Avoid)),
                            _ => None,
                        })
                        .collect(),
                })
                .collect();
            (apps, pool, costs)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn the_proposal_is_valid_optimal_and_explained_when_impossible((apps, pool, costs) in small_round()) {
            let best = brute_force(&apps, &pool, &costs);
            match assign(&apps, &pool, &costs) {
                Ok(p) => {
                    prop_assert_eq!(valid(&p, &apps, &pool, &costs), Ok(()));
                    prop_assert_eq!(Some(p.cost), best);
                    if let Some(g) = assign_greedy(&apps, &pool, &costs) {
                        prop_assert_eq!(valid(&g, &apps, &pool, &costs), Ok(()));
                        prop_assert!(p.cost <= g.cost);
                    }
                }
                Err(AssignError::Infeasible(reasons)) => {
                    prop_assert_eq!(best, None);
                    prop_assert!(!reasons.is_empty());
                    prop_assert!(assign_greedy(&apps, &pool, &costs).is_none());
                }
                Err(e) => prop_assert!(false, "{}", e),
            }
        }
    }

    /// The benchmark's round (see `benches/assign.rs`), for a release-mode check:
    /// `cargo test --release -- --ignored`.
    #[test]
    #[ignore]
    fn a_round_of_two_thousand_applications_is_solved_quickly() {
        let (apps, pool) = synthetic_round(2000, 150, 42);
        let costs = CostModel::default();
        let started = std::time::Instant::now();
        let best = assign(&apps, &pool, &costs).unwrap();
        let took = started.elapsed();
        let greedy = assign_greedy(&apps, &pool, &costs).unwrap();
        valid(&best, &apps, &pool, &costs).unwrap();
        valid(&greedy, &apps, &pool, &costs).unwrap();
        assert!(best.cost <= greedy.cost);
        println!("optimal {} in {took:?}; greedy {}", best.cost, greedy.cost);
    }

    /// The same generator as the benchmark's.
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
}
