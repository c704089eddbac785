//! Scores and what follows from them: the items a panel must discuss, the part's level
//! derived from the consolidated item levels, and the review panel's decision.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::ids::UserId;

/// Submitted levels this far apart (or more) put an item on the discussion list.
pub const SPREAD_TO_DISCUSS: u8 = 2;

/// An achieved maturity level, 0 (not even the first level met) to [`Level::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a level is 0 to 5, not {0}")]
pub struct LevelOutOfRange(pub u8);

impl Level {
    pub const ZERO: Level = Level(0);
    pub const MAX: Level = Level(5);

    pub fn new(level: u8) -> Result<Level, LevelOutOfRange> {
        if level <= Self::MAX.0 {
            Ok(Level(level))
        } else {
            Err(LevelOutOfRange(level))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = LevelOutOfRange;
    fn try_from(level: u8) -> Result<Level, LevelOutOfRange> {
        Level::new(level)
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.0
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One assessor's score of an item, or the lead's consolidated one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemLevel {
    Achieved(Level),
    NotApplicable { reason: String },
}

/// Why an item needs discussion before consolidation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// The submitted levels spread by [`SPREAD_TO_DISCUSS`] or more.
    Spread { lowest: Level, highest: Level },
    /// Some members found the item not applicable and others scored it.
    ApplicabilityDisputed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFlag {
    pub item: String,
    pub reasons: Vec<FlagReason>,
}

/// The items whose submitted scores disagree enough to be discussed, in item order.
pub fn spread_flags(scores_by_item: &BTreeMap<String, Vec<ItemLevel>>) -> Vec<ItemFlag> {
    scores_by_item
        .iter()
        .filter_map(|(item, scores)| {
            let levels = scores.iter().filter_map(|s| match s {
                ItemLevel::Achieved(l) => Some(*l),
                ItemLevel::NotApplicable { .. } => None,
            });
            let mut reasons = Vec::new();
            if let (Some(lowest), Some(highest)) = (levels.clone().min(), levels.clone().max()) {
                if highest.0 - lowest.0 >= SPREAD_TO_DISCUSS {
                    reasons.push(FlagReason::Spread { lowest, highest });
                }
            }
            let scored = levels.count();
            if scored > 0 && scored < scores.len() {
                reasons.push(FlagReason::ApplicabilityDisputed);
            }
            (!reasons.is_empty()).then(|| ItemFlag {
                item: item.clone(),
                reasons,
            })
        })
        .collect()
}

/// The levels an item has criteria for. Below `from` the item asks nothing; above `to` it
/// asks nothing more than at `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinedLevels {
    from: Level,
    to: Level,
}

impl DefinedLevels {
    /// Items of the catalog have criteria for every level.
    pub const ALL: DefinedLevels = DefinedLevels {
        from: Level(1),
        to: Level::MAX,
    };

    pub fn new(from: Level, to: Level) -> Option<DefinedLevels> {
        (from.0 >= 1 && from <= to).then_some(DefinedLevels { from, to })
    }

    pub fn from(self) -> Level {
        self.from
    }

    pub fn to(self) -> Level {
        self.to
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsolidatedItem {
    pub item: String,
    pub defined: DefinedLevels,
    pub level: ItemLevel,
}

/// An assessor's score of one item: a private draft, or submitted (final unless the lead
/// reopens it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    Draft,
    Submitted,
}

impl ScoreStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreStatus::Draft => "draft",
            ScoreStatus::Submitted => "submitted",
        }
    }
}

impl fmt::Display for ScoreStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ScoreStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<ScoreStatus, String> {
        [ScoreStatus::Draft, ScoreStatus::Submitted]
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown score status '{s}'"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every applicable item reaches the target level.
    TargetReached,
    /// The capping items hold the part below its target.
    CappedByItems,
    /// Nothing was applicable, so nothing shows any level.
    NoApplicableItems,
}

impl Basis {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::TargetReached => "target_reached",
            Basis::CappedByItems => "capped_by_items",
            Basis::NoApplicableItems => "no_applicable_items",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Basis, String> {
        [
            Basis::TargetReached,
            Basis::CappedByItems,
            Basis::NoApplicableItems,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
        .ok_or_else(|| format!("unknown basis '{s}'"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derivation {
    pub achieved: Level,
    pub target: Level,
    /// The items that stop the part reaching the next level, in input order.
    pub capping_items: Vec<String>,
    pub basis: Basis,
}

impl Derivation {
    pub fn explanation(&self) -> String {
        let (a, t) = (self.achieved, self.target);
        match self.basis {
            Basis::TargetReached => {
                format!("level {a}: every applicable item reaches the target level {t}")
            }
            Basis::CappedByItems => format!(
                "level {a} of target {t}: not every applicable item reaches level {}; capped by {}",
                a.0 + 1,
                self.capping_items.join(", ")
            ),
            Basis::NoApplicableItems => "level 0: no item of the part is applicable".into(),
        }
    }

    pub fn explanation_zh(&self) -> String {
        let (a, t) = (self.achieved, self.target);
        match self.basis {
            Basis::TargetReached => format!("{a} 级：所有适用的能力项均达到目标 {t} 级"),
            Basis::CappedByItems => format!(
                "{a} 级（目标 {t} 级）：最弱的能力项限制了该部分的级别；{} 未达到 {} 级",
                self.capping_items.join("、"),
                a.0 + 1
            ),
            Basis::NoApplicableItems => "0 级：该部分没有适用的能力项".into(),
        }
    }
}

/// The highest level an item lets the part reach: everything once it meets its top
/// criteria, otherwise its own level, but never below the levels it asks nothing for.
fn item_ceiling(defined: DefinedLevels, level: Level) -> u8 {
    if level >= defined.to {
        u8::MAX
    } else {
        level.0.max(defined.from.0 - 1)
    }
}

/// The part's level, by one rule: the highest level L ≤ `target` that every applicable
/// item reaches (an item reaches L when it meets its criteria for L, or for its last
/// defined level when L is above it, or when it has no criteria up to L). The weakest
/// item caps the part; not-applicable items are ignored; with no applicable item the
/// part is at level 0.
pub fn derive_part_level(consolidated: &[ConsolidatedItem], target: Level) -> Derivation {
    let ceilings: Vec<(&str, u8)> = consolidated
        .iter()
        .filter_map(|c| match c.level {
            ItemLevel::Achieved(l) => Some((c.item.as_str(), item_ceiling(c.defined, l))),
            ItemLevel::NotApplicable { .. } => None,
        })
        .collect();
    let Some(weakest) = ceilings.iter().map(|(_, c)| *c).min() else {
        return Derivation {
            achieved: Level::ZERO,
            target,
            capping_items: vec![],
            basis: Basis::NoApplicableItems,
        };
    };
    if weakest >= target.0 {
        return Derivation {
            achieved: target,
            target,
            capping_items: vec![],
            basis: Basis::TargetReached,
        };
    }
    Derivation {
        achieved: Level(weakest),
        target,
        capping_items: ceilings
            .iter()
            .filter(|(_, c)| *c == weakest)
            .map(|(i, _)| i.to_string())
            .collect(),
        basis: Basis::CappedByItems,
    }
}

/// A fraction `numerator / denominator` in [1/2, 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    numerator: u32,
    denominator: u32,
}

impl Ratio {
    pub const HALF: Ratio = Ratio {
        numerator: 1,
        denominator: 2,
    };
    pub const TWO_THIRDS: Ratio = Ratio {
        numerator: 2,
        denominator: 3,
    };

    /// A majority is at least half and below one (since approval needs strictly more).
    pub fn new(numerator: u32, denominator: u32) -> Option<Ratio> {
        (denominator > 0
            && 2 * u64::from(numerator) >= u64::from(denominator)
            && numerator < denominator)
            .then_some(Ratio {
                numerator,
                denominator,
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub member: UserId,
    pub approve: bool,
    /// Why the application should go back to the assessment panel; empty for approvals.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// Below quorum: `missing` more votes are needed.
    Pending {
        missing: usize,
    },
    Approved,
    /// Goes back to the assessment panel with the reasons of every return vote, in vote
    /// order and without the voters' names.
    Returned {
        reasons: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "a quorum of {quorum} cannot be reached: {eligible} members may vote on this application"
    )]
    QuorumUnreachable { quorum: usize, eligible: usize },
    #[error("the quorum must be at least one vote")]
    ZeroQuorum,
    #[error("{votes} votes from {eligible} eligible members")]
    TooManyVotes { votes: usize, eligible: usize },
    #[error("member {0} voted twice")]
    DuplicateVote(UserId),
}

/// A member of the round's review panel as one application sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewSeat {
    pub member: UserId,
    /// Recused from this application (their own enterprise, its group, a declared
    /// conflict): they neither vote nor count towards the quorum.
    pub recused: bool,
}

/// The review panel's decision on one application. Only votes of members who did not
/// recuse count, and the quorum is the panel's own: recusals never lower it, so a
/// decision always rests on at least `quorum` eligible votes. When recusals leave fewer
/// eligible members than the quorum, nothing can be decided
/// ([`ReviewError::QuorumUnreachable`]): the application waits for the panel to grow.
pub fn review_decision(
    seats: &[ReviewSeat],
    votes: &[Vote],
    quorum: usize,
    majority: Ratio,
) -> Result<ReviewOutcome, ReviewError> {
    let eligible: HashSet<UserId> = seats
        .iter()
        .filter(|s| !s.recused)
        .map(|s| s.member)
        .collect();
    let counted: Vec<Vote> = votes
        .iter()
        .filter(|v| eligible.contains(&v.member))
        .cloned()
        .collect();
    decide_review(&counted, eligible.len(), quorum, majority)
}

/// The review panel's decision once `quorum` of the `eligible_members` (those who did not
/// recuse) have voted: approved when the approvals are strictly more than `majority` of
/// the votes cast, returned otherwise. A tie under a one-half majority returns the
/// application. The first outcome that is not `Pending` is the decision.
fn decide_review(
    votes: &[Vote],
    eligible_members: usize,
    quorum: usize,
    majority: Ratio,
) -> Result<ReviewOutcome, ReviewError> {
    if quorum == 0 {
        return Err(ReviewError::ZeroQuorum);
    }
    if quorum > eligible_members {
        return Err(ReviewError::QuorumUnreachable {
            quorum,
            eligible: eligible_members,
        });
    }
    if votes.len() > eligible_members {
        return Err(ReviewError::TooManyVotes {
            votes: votes.len(),
            eligible: eligible_members,
        });
    }
    let mut voters = HashSet::new();
    if let Some(twice) = votes.iter().find(|v| !voters.insert(v.member)) {
        return Err(ReviewError::DuplicateVote(twice.member));
    }
    if votes.len() < quorum {
        return Ok(ReviewOutcome::Pending {
            missing: quorum - votes.len(),
        });
    }
    let approvals = votes.iter().filter(|v| v.approve).count() as u64;
    if approvals * u64::from(majority.denominator)
        > votes.len() as u64 * u64::from(majority.numerator)
    {
        Ok(ReviewOutcome::Approved)
    } else {
        Ok(ReviewOutcome::Returned {
            reasons: votes
                .iter()
                .filter(|v| !v.approve)
                .flat_map(|v| v.reasons.iter().cloned())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lv(l: u8) -> Level {
        Level::new(l).unwrap()
    }

    fn na() -> ItemLevel {
        ItemLevel::NotApplicable {
            reason: "no mobile apps".into(),
        }
    }

    fn item(code: &str, level: u8) -> ConsolidatedItem {
        ConsolidatedItem {
            item: code.into(),
            defined: DefinedLevels::ALL,
            level: ItemLevel::Achieved(lv(level)),
        }
    }

    #[test]
    fn levels_are_zero_to_five() {
        assert!(Level::new(6).is_err());
        assert_eq!(serde_json::from_str::<Level>("3").ok(), Some(lv(3)));
        assert!(serde_json::from_str::<Level>("9").is_err());
    }

    #[test]
    fn items_far_apart_or_disputed_as_not_applicable_are_flagged() {
        let a = |l| ItemLevel::Achieved(lv(l));
        let scores: BTreeMap<String, Vec<ItemLevel>> = [
            ("CD-CM-01", vec![a(3), a(4), a(3)]),
            ("CD-CM-02", vec![a(2), a(4), a(3)]),
            ("CD-CM-03", vec![a(3), na(), a(3)]),
            ("CD-TM-01", vec![na(), na(), na()]),
            ("CD-TM-02", vec![a(0), na(), a(5)]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(
            spread_flags(&scores),
            [
                ItemFlag {
                    item: "CD-CM-02".into(),
                    reasons: vec![FlagReason::Spread {
                        lowest: lv(2),
                        highest: lv(4)
                    }]
                },
                ItemFlag {
                    item: "CD-CM-03".into(),
                    reasons: vec![FlagReason::ApplicabilityDisputed]
                },
                ItemFlag {
                    item: "CD-TM-02".into(),
                    reasons: vec![
                        FlagReason::Spread {
                            lowest: lv(0),
                            highest: lv(5)
                        },
                        FlagReason::ApplicabilityDisputed
                    ],
                },
            ]
        );
    }

    #[test]
    fn the_weakest_item_caps_the_part_and_is_named() {
        let items = [
            item("CD-CM-01", 4),
            item("CD-CM-02", 2),
            item("CD-TM-01", 3),
            item("CD-TM-02", 2),
        ];
        let d = derive_part_level(&items, lv(4));
        assert_eq!(d.achieved, lv(2));
        assert_eq!(d.capping_items, ["CD-CM-02", "CD-TM-02"]);
        assert_eq!(d.basis, Basis::CappedByItems);
        assert_eq!(
            d.explanation(),
            "level 2 of target 4: not every applicable item reaches level 3; capped by CD-CM-02, CD-TM-02"
        );
        assert_eq!(
            d.explanation_zh(),
            "2 级（目标 4 级）：最弱的能力项限制了该部分的级别；CD-CM-02、CD-TM-02 未达到 3 级"
        );
    }

    #[test]
    fn the_target_bounds_the_part_and_nothing_caps_it_there() {
        let d = derive_part_level(&[item("A", 5), item("B", 3)], lv(3));
        assert_eq!(
            (d.achieved, d.basis, d.capping_items.len()),
            (lv(3), Basis::TargetReached, 0)
        );
    }

    #[test]
    fn not_applicable_items_are_ignored_and_none_applicable_is_level_zero() {
        let mut items = vec![
            item("A", 3),
            ConsolidatedItem {
                item: "B".into(),
                defined: DefinedLevels::ALL,
                level: na(),
            },
        ];
        assert_eq!(derive_part_level(&items, lv(4)).capping_items, ["A"]);
        items.remove(0);
        let d = derive_part_level(&items, lv(4));
        assert_eq!(
            (d.achieved, d.basis),
            (Level::ZERO, Basis::NoApplicableItems)
        );
        assert_eq!(
            d.explanation(),
            "level 0: no item of the part is applicable"
        );
        assert_eq!(derive_part_level(&[], lv(3)).achieved, Level::ZERO);
    }

    #[test]
    fn items_defined_for_some_levels_only_constrain_those_levels() {
        let from3 = DefinedLevels::new(lv(3), lv(5)).unwrap();
        let upto2 = DefinedLevels::new(lv(1), lv(2)).unwrap();
        let with = |code: &str, defined, level| ConsolidatedItem {
            item: code.into(),
            defined,
            level: ItemLevel::Achieved(lv(level)),
        };
        // An item first asked for at level 3 and not met caps the part at 2, not 0.
        assert_eq!(
            derive_part_level(&[with("X", from3, 0), item("A", 4)], lv(4)).achieved,
            lv(2)
        );
        // An item whose criteria stop at level 2 and are met never caps the part.
        assert_eq!(
            derive_part_level(&[with("Y", upto2, 2), item("A", 4)], lv(4)).achieved,
            lv(4)
        );
        assert_eq!(
            derive_part_level(&[with("Y", upto2, 1), item("A", 4)], lv(4)).capping_items,
            ["Y"]
        );
        assert!(DefinedLevels::new(lv(0), lv(3)).is_none());
        assert!(DefinedLevels::new(lv(4), lv(3)).is_none());
    }

    fn consolidated() -> impl Strategy<Value = Vec<ConsolidatedItem>> {
        proptest::collection::vec(
            (
                0u8..=5,
                1u8..=5,
                0u8..=5,
                prop::bool::weighted(0.15),
                any::<bool>(),
            ),
            0..8,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(
                    |(i, (from, len, level, not_applicable, partial))| ConsolidatedItem {
                        item: format!("IT-{i:02}"),
                        defined: if partial {
                            let from = from.clamp(1, 5);
                            DefinedLevels::new(lv(from), lv((from + len - 1).min(5))).unwrap()
                        } else {
                            DefinedLevels::ALL
                        },
                        level: if not_applicable {
                            na()
                        } else {
                            ItemLevel::Achieved(lv(level))
                        },
                    },
                )
                .collect()
        })
    }

    fn reaches(c: &ConsolidatedItem, l: u8) -> bool {
        match &c.level {
            ItemLevel::NotApplicable { .. } => true,
            ItemLevel::Achieved(a) => l < c.defined.from().0 || a.0 >= l.min(c.defined.to().0),
        }
    }

    fn raised(c: &ConsolidatedItem, to: u8) -> ConsolidatedItem {
        ConsolidatedItem {
            level: ItemLevel::Achieved(lv(to.min(5))),
            ..c.clone()
        }
    }

    fn level_of(c: &ConsolidatedItem) -> Option<u8> {
        match c.level {
            ItemLevel::Achieved(l) => Some(l.0),
            ItemLevel::NotApplicable { .. } => None,
        }
    }

    proptest! {
        #[test]
        fn the_part_level_is_the_highest_level_every_item_reaches(items in consolidated(), target in 1u8..=5) {
            let d = derive_part_level(&items, lv(target));
            prop_assert!(d.achieved.0 <= target);
            let applicable = items.iter().any(|c| level_of(c).is_some());
            if applicable {
                prop_assert!(items.iter().all(|c| reaches(c, d.achieved.0)));
                prop_assert!(d.achieved.0 == target || !items.iter().all(|c| reaches(c, d.achieved.0 + 1)));
            } else {
                prop_assert_eq!(d.achieved, Level::ZERO);
            }
            if items.iter().all(|c| c.defined == DefinedLevels::ALL) {
                if let Some(min) = items.iter().filter_map(level_of).min() {
                    prop_assert!(d.achieved.0 <= min);
                }
            }
        }

        #[test]
        fn only_the_capping_items_hold_the_part_back(items in consolidated(), target in 1u8..=5, pick in any::<prop::sample::Index>()) {
            let d = derive_part_level(&items, lv(target));
            let capping = |c: &ConsolidatedItem| d.capping_items.contains(&c.item);
            prop_assert_eq!(d.capping_items.is_empty(), d.basis != Basis::CappedByItems);
            let others: Vec<usize> = (0..items.len()).filter(|i| level_of(&items[*i]).is_some() && !capping(&items[*i])).collect();
            if !others.is_empty() {
                let i = others[pick.index(others.len())];
                let mut more = items.clone();
                more[i] = raised(&items[i], level_of(&items[i]).unwrap() + 1);
                prop_assert_eq!(derive_part_level(&more, lv(target)), d.clone());
            }
            if d.basis == Basis::CappedByItems {
                let next = d.achieved.0 + 1;
                let lifted: Vec<_> = items.iter().map(|c| if capping(c) { raised(c, next.max(level_of(c).unwrap())) } else { c.clone() }).collect();
                prop_assert!(derive_part_level(&lifted, lv(target)).achieved > d.achieved);
                if items.iter().all(|c| c.defined == DefinedLevels::ALL) {
                    let plus_one: Vec<_> = items.iter().map(|c| if capping(c) { raised(c, level_of(c).unwrap() + 1) } else { c.clone() }).collect();
                    prop_assert!(derive_part_level(&plus_one, lv(target)).achieved > d.achieved);
                }
            }
        }

        #[test]
        fn raising_any_item_never_lowers_the_part(items in consolidated(), target in 1u8..=5, pick in any::<prop::sample::Index>(), by in 1u8..=5) {
            prop_assume!(!items.is_empty());
            let i = pick.index(items.len());
            let Some(level) = level_of(&items[i]) else { return Ok(()) };
            let mut more = items.clone();
            more[i] = raised(&items[i], level + by);
            prop_assert!(derive_part_level(&more, lv(target)).achieved >= derive_part_level(&items, lv(target)).achieved);
        }
    }

    fn vote(approve: bool, reason: &str) -> Vote {
        Vote {
            member: UserId::new(),
            approve,
            reasons: if reason.is_empty() {
                vec![]
            } else {
                vec![reason.into()]
            },
        }
    }

    #[test]
    fn below_quorum_the_decision_is_pending() {
        let votes = [vote(true, ""), vote(true, "")];
        assert_eq!(
            decide_review(&votes, 7, 4, Ratio::HALF),
            Ok(ReviewOutcome::Pending { missing: 2 })
        );
    }

    #[test]
    fn approval_needs_strictly_more_than_the_majority_so_a_tie_returns() {
        let tie = [
            vote(true, ""),
            vote(false, "evidence for CD-TM-02 is a screenshot only"),
            vote(true, ""),
            vote(false, ""),
        ];
        assert_eq!(
            decide_review(&tie, 5, 4, Ratio::HALF),
            Ok(ReviewOutcome::Returned {
                reasons: vec!["evidence for CD-TM-02 is a screenshot only".into()]
            })
        );
        let three_of_four = [
            vote(true, ""),
            vote(true, ""),
            vote(true, ""),
            vote(false, "weak"),
        ];
        assert_eq!(
            decide_review(&three_of_four, 5, 4, Ratio::HALF),
            Ok(ReviewOutcome::Approved)
        );
        let two_of_three = [vote(true, ""), vote(true, ""), vote(false, "weak")];
        assert!(matches!(
            decide_review(&two_of_three, 3, 3, Ratio::TWO_THIRDS),
            Ok(ReviewOutcome::Returned { .. })
        ));
        assert_eq!(
            decide_review(&three_of_four, 4, 4, Ratio::TWO_THIRDS),
            Ok(ReviewOutcome::Approved)
        );
    }

    #[test]
    fn impossible_settings_and_double_votes_are_refused() {
        let v = vote(true, "");
        assert_eq!(
            decide_review(&[], 2, 3, Ratio::HALF),
            Err(ReviewError::QuorumUnreachable {
                quorum: 3,
                eligible: 2
            })
        );
        assert_eq!(
            decide_review(&[], 2, 0, Ratio::HALF),
            Err(ReviewError::ZeroQuorum)
        );
        assert_eq!(
            decide_review(&[v.clone(), v.clone()], 3, 2, Ratio::HALF),
            Err(ReviewError::DuplicateVote(v.member))
        );
        assert!(matches!(
            decide_review(&[vote(true, ""), vote(true, "")], 1, 1, Ratio::HALF),
            Err(ReviewError::TooManyVotes { .. })
        ));
        assert!(
            Ratio::new(1, 3).is_none() && Ratio::new(3, 3).is_none() && Ratio::new(1, 0).is_none()
        );
        assert_eq!(
            Ratio::new(2, 4),
            Some(Ratio {
                numerator: 2,
                denominator: 4
            })
        );
    }

    fn seats(recused: &[bool]) -> Vec<ReviewSeat> {
        recused
            .iter()
            .map(|&recused| ReviewSeat {
                member: UserId::new(),
                recused,
            })
            .collect()
    }

    fn by(seat: &ReviewSeat, approve: bool) -> Vote {
        Vote {
            member: seat.member,
            approve,
            reasons: if approve { vec![] } else { vec!["weak".into()] },
        }
    }

    #[test]
    fn recusals_never_lower_the_quorum() {
        // Quorum 2, four members, three recused: the one eligible approval decides nothing.
        let panel = seats(&[false, true, true, true]);
        assert_eq!(
            review_decision(&panel, &[by(&panel[0], true)], 2, Ratio::HALF),
            Err(ReviewError::QuorumUnreachable {
                quorum: 2,
                eligible: 1
            })
        );
        // Two eligible members: both votes are needed, and then they decide.
        let panel = seats(&[false, false, true, true]);
        assert_eq!(
            review_decision(&panel, &[by(&panel[0], true)], 2, Ratio::HALF),
            Ok(ReviewOutcome::Pending { missing: 1 })
        );
        let both = [by(&panel[0], true), by(&panel[1], true)];
        assert_eq!(
            review_decision(&panel, &both, 2, Ratio::HALF),
            Ok(ReviewOutcome::Approved)
        );
    }

    #[test]
    fn votes_of_members_who_are_not_eligible_do_not_count() {
        let panel = seats(&[false, false, true]);
        let former = ReviewSeat {
            member: UserId::new(),
            recused: false,
        };
        let votes = [by(&panel[0], true), by(&panel[2], true), by(&former, true)];
        assert_eq!(
            review_decision(&panel, &votes, 2, Ratio::HALF),
            Ok(ReviewOutcome::Pending { missing: 1 })
        );
    }

    proptest! {
        #[test]
        fn the_review_decision_follows_the_count(
            approvals in 0usize..8, returns in 0usize..8, extra in 0usize..4, quorum in 1usize..8, num in 1u32..10, den in 2u32..11,
        ) {
            let Some(majority) = Ratio::new(num, den) else { return Ok(()) };
            let eligible = approvals + returns + extra;
            prop_assume!(quorum <= eligible);
            let votes: Vec<Vote> = (0..approvals).map(|_| vote(true, "")).chain((0..returns).map(|_| vote(false, "r"))).collect();
            let outcome = decide_review(&votes, eligible, quorum, majority).unwrap();
            let cast = approvals + returns;
            if cast < quorum {
                prop_assert_eq!(outcome, ReviewOutcome::Pending { missing: quorum - cast });
            } else if (approvals as f64) / (cast as f64) > f64::from(num) / f64::from(den) + 1e-12 {
                prop_assert_eq!(outcome, ReviewOutcome::Approved);
            } else {
                prop_assert_eq!(outcome, ReviewOutcome::Returned { reasons: vec!["r".to_string(); returns] });
            }
        }

        /// Whoever recuses and whoever votes (members or not), a decision rests on at
        /// least the panel's quorum of votes from members who did not recuse; with fewer
        /// eligible members than the quorum there is no decision.
        #[test]
        fn a_decision_never_rests_on_fewer_eligible_votes_than_the_quorum(
            recused in prop::collection::vec(any::<bool>(), 1..8),
            ballots in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..10),
            outsiders in prop::collection::vec(any::<bool>(), 0..3),
            quorum in 1usize..8,
            two_thirds in any::<bool>(),
        ) {
            let panel = seats(&recused);
            let majority = if two_thirds { Ratio::TWO_THIRDS } else { Ratio::HALF };
            let mut voted = HashSet::new();
            let mut votes: Vec<Vote> = ballots
                .iter()
                .map(|(i, approve)| (panel[i.index(panel.len())], *approve))
                .filter(|(s, _)| voted.insert(s.member))
                .map(|(s, approve)| by(&s, approve))
                .collect();
            votes.extend(outsiders.iter().map(|approve| vote(*approve, "r")));
            let eligible = recused.iter().filter(|r| !**r).count();
            let eligible_votes = votes
                .iter()
                .filter(|v| panel.iter().any(|s| s.member == v.member && !s.recused))
                .count();
            match review_decision(&panel, &votes, quorum, majority) {
                Ok(ReviewOutcome::Approved | ReviewOutcome::Returned { .. }) => {
                    prop_assert!(eligible_votes >= quorum);
                }
                Ok(ReviewOutcome::Pending { missing }) => {
                    prop_assert_eq!(missing, quorum - eligible_votes);
                }
                Err(e) => {
                    prop_assert!(eligible < quorum);
                    prop_assert_eq!(e, ReviewError::QuorumUnreachable { quorum, eligible });
                }
            }
        }
    }
}
