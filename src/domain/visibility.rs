//! The one serializer of scores: [`scoring_view`] decides what each viewer sees of an
//! application's scores, consolidation and result. Every page and API response about
//! scores is built from its output, never from the rows.
//!
//! - An enterprise never sees individual scores, who gave them, how many were given or
//!   any average: only the consolidated result, once approved.
//! - A panel member sees their own scores (drafts too); other members' submitted scores
//!   only after submitting every item themselves; other members' drafts never.
//! - The lead additionally sees each member's progress (submitted items, no levels).
//! - A review-panel member sees the consolidated result with its flags and rationale,
//!   not individual scores; a recused member sees nothing.
//! - The secretariat sees submitted scores, progress and the consolidation.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::application_status::Status;
use crate::domain::ids::UserId;
use crate::domain::scoring::{FlagReason, ItemLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Enterprise,
    PanelMember { me: UserId, lead: bool },
    Reviewer,
    RecusedReviewer,
    Secretariat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreFact {
    pub assessor: UserId,
    pub assessor_name: String,
    pub item: String,
    pub level: ItemLevel,
    pub comment: String,
    pub evidence_ids: Vec<String>,
    pub submitted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsolidatedFact {
    pub item: String,
    pub level: ItemLevel,
    pub rationale: String,
    pub flagged: bool,
    pub flag_reasons: Vec<FlagReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultFact {
    pub achieved_level: u8,
    pub target_level: u8,
    pub capping_items: Vec<String>,
    pub domain_levels: BTreeMap<String, u8>,
    pub explanation: String,
    pub explanation_zh: String,
}

/// Everything known about an application's scoring; only [`scoring_view`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringFacts {
    pub status: Status,
    /// The items every member scores.
    pub items: Vec<String>,
    /// Panel members: id, name, lead.
    pub members: Vec<(UserId, String, bool)>,
    pub scores: Vec<ScoreFact>,
    pub consolidation: Option<(Vec<ConsolidatedFact>, ResultFact)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreEntry {
    pub item: String,
    pub level: ItemLevel,
    pub comment: String,
    pub evidence_ids: Vec<String>,
    pub submitted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberScores {
    pub assessor_name: String,
    pub scores: Vec<ScoreEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub assessor_name: String,
    pub lead: bool,
    pub submitted_items: usize,
    pub total_items: usize,
}

/// The item levels an enterprise sees, without rationale or flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemResult {
    pub item: String,
    pub level: ItemLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ScoringView {
    /// The viewer's own scores (panel members).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_scores: Option<Vec<ScoreEntry>>,
    /// Whether the viewer has submitted every item (panel members).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_submission_complete: Option<bool>,
    /// Other members' submitted scores, by member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub others_scores: Option<Vec<MemberScores>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Vec<Progress>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consolidation: Option<Vec<ConsolidatedFact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultFact>,
    /// Consolidated item levels for the enterprise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_results: Option<Vec<ItemResult>>,
}

fn entry(s: &ScoreFact) -> ScoreEntry {
    ScoreEntry {
        item: s.item.clone(),
        level: s.level.clone(),
        comment: s.comment.clone(),
        evidence_ids: s.evidence_ids.clone(),
        submitted: s.submitted,
    }
}

fn submitted_by(facts: &ScoringFacts, who: UserId) -> Vec<MemberScores> {
    facts
        .members
        .iter()
        .filter(|(id, _, _)| *id != who)
        .map(|(id, name, _)| MemberScores {
            assessor_name: name.clone(),
            scores: facts
                .scores
                .iter()
                .filter(|s| s.assessor == *id && s.submitted)
                .map(entry)
                .collect(),
        })
        .collect()
}

fn progress(facts: &ScoringFacts) -> Vec<Progress> {
    facts
        .members
        .iter()
        .map(|(id, name, lead)| Progress {
            assessor_name: name.clone(),
            lead: *lead,
            submitted_items: facts
                .scores
                .iter()
                .filter(|s| s.assessor == *id && s.submitted)
                .count(),
            total_items: facts.items.len(),
        })
        .collect()
}

/// Whether `who` has submitted a score for every item.
pub fn submission_complete(facts: &ScoringFacts, who: UserId) -> bool {
    facts.items.iter().all(|item| {
        facts
            .scores
            .iter()
            .any(|s| s.assessor == who && s.submitted && s.item == *item)
    })
}

pub fn scoring_view(viewer: Viewer, facts: &ScoringFacts) -> ScoringView {
    let consolidation = facts.consolidation.as_ref();
    match viewer {
        Viewer::Enterprise => {
            let released = matches!(facts.status, Status::Approved | Status::Certified);
            match consolidation.filter(|_| released) {
                Some((items, result)) => ScoringView {
                    result: Some(result.clone()),
                    item_results: Some(
                        items
                            .iter()
                            .map(|i| ItemResult {
                                item: i.item.clone(),
                                level: i.level.clone(),
                            })
                            .collect(),
                    ),
                    ..Default::default()
                },
                None => ScoringView::default(),
            }
        }
        Viewer::PanelMember { me, lead } => {
            let complete = submission_complete(facts, me);
            ScoringView {
                own_scores: Some(
                    facts
                        .scores
                        .iter()
                        .filter(|s| s.assessor == me)
                        .map(entry)
                        .collect(),
                ),
                own_submission_complete: Some(complete),
                others_scores: complete.then(|| submitted_by(facts, me)),
                progress: lead.then(|| progress(facts)),
                consolidation: consolidation.map(|(i, _)| i.clone()),
                result: consolidation.map(|(_, r)| r.clone()),
                item_results: None,
            }
        }
        Viewer::Reviewer => ScoringView {
            consolidation: consolidation.map(|(i, _)| i.clone()),
            result: consolidation.map(|(_, r)| r.clone()),
            ..Default::default()
        },
        Viewer::RecusedReviewer => ScoringView::default(),
        Viewer::Secretariat => ScoringView {
            others_scores: Some(
                facts
                    .members
                    .iter()
                    .map(|(id, name, _)| MemberScores {
                        assessor_name: name.clone(),
                        scores: facts
                            .scores
                            .iter()
                            .filter(|s| s.assessor == *id && s.submitted)
                            .map(entry)
                            .collect(),
                    })
                    .collect(),
            ),
            progress: Some(progress(facts)),
            consolidation: consolidation.map(|(i, _)| i.clone()),
            result: consolidation.map(|(_, r)| r.clone()),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::Level;
    use proptest::prelude::*;

    fn facts(members: usize, items: usize, mask: &[(u8, bool)], status: Status) -> ScoringFacts {
        let ids: Vec<UserId> = (0..members).map(|_| UserId::new()).collect();
        let items: Vec<String> = (0..items).map(|i| format!("CD-X-{i:02}")).collect();
        let mut scores = Vec::new();
        let mut k = 0;
        for (m, id) in ids.iter().enumerate() {
            for item in &items {
                let (level, submitted) = mask[k % mask.len()];
                k += 1;
                scores.push(ScoreFact {
                    assessor: *id,
                    assessor_name: format!("SECRET-NAME-{m}"),
                    item: item.clone(),
                    level: ItemLevel::Achieved(Level::new(level % 6).unwrap()),
                    comment: format!("SECRET-COMMENT-{m}"),
                    evidence_ids: vec![],
                    submitted,
                });
            }
        }
        ScoringFacts {
            status,
            members: ids
                .iter()
                .enumerate()
                .map(|(i, id)| (*id, format!("SECRET-NAME-{i}"), i == 0))
                .collect(),
            consolidation: Some((
                items
                    .iter()
                    .map(|i| ConsolidatedFact {
                        item: i.clone(),
                        level: ItemLevel::Achieved(Level::new(2).unwrap()),
                        rationale: "RATIONALE".into(),
                        flagged: true,
                        flag_reasons: vec![],
                    })
                    .collect(),
                ResultFact {
                    achieved_level: 2,
                    target_level: 3,
                    capping_items: vec![],
                    domain_levels: BTreeMap::new(),
                    explanation: String::new(),
                    explanation_zh: String::new(),
                },
            )),
            items,
            scores,
        }
    }

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn enterprises_never_see_individual_scores_names_or_counts(
            members in 3usize..=5, items in 1usize..6,
            mask in proptest::collection::vec((0u8..6, any::<bool>()), 1..20), st in status()
        ) {
            let f = facts(members, items, &mask, st);
            let v = scoring_view(Viewer::Enterprise, &f);
            let json = serde_json::to_string(&v).unwrap();
            prop_assert!(!json.contains("SECRET"));
            prop_assert!(!json.contains("RATIONALE"));
            prop_assert!(v.own_scores.is_none() && v.others_scores.is_none() && v.progress.is_none());
            prop_assert_eq!(v.result.is_some(), matches!(st, Status::Approved | Status::Certified));
        }

        #[test]
        fn a_member_sees_others_only_after_submitting_everything_and_never_drafts(
            members in 3usize..=5, items in 1usize..6,
            mask in proptest::collection::vec((0u8..6, any::<bool>()), 1..20), who in 0usize..5
        ) {
            let f = facts(members, items, &mask, Status::InAssessment);
            let (me, _, lead) = f.members[who % members].clone();
            let v = scoring_view(Viewer::PanelMember { me, lead }, &f);
            let complete = submission_complete(&f, me);
            prop_assert_eq!(v.others_scores.is_some(), complete);
            let json = serde_json::to_string(&v.others_scores).unwrap();
            let mine = format!("SECRET-COMMENT-{}", who % members);
            if !complete {
                prop_assert!(!json.contains("SECRET"));
            }
            prop_assert!(!json.contains(&mine));
            for m in v.others_scores.iter().flatten() {
                prop_assert!(m.scores.iter().all(|s| s.submitted));
            }
            prop_assert_eq!(v.progress.is_some(), lead);
            prop_assert!(v.own_scores.unwrap().iter().all(|s| s.comment == mine));
        }

        #[test]
        fn reviewers_see_the_consolidation_but_no_individual_score(
            mask in proptest::collection::vec((0u8..6, any::<bool>()), 1..20)
        ) {
            let f = facts(3, 3, &mask, Status::InReview);
            let v = scoring_view(Viewer::Reviewer, &f);
            prop_assert!(!serde_json::to_string(&v).unwrap().contains("SECRET"));
            prop_assert!(v.consolidation.is_some());
            prop_assert_eq!(scoring_view(Viewer::RecusedReviewer, &f), ScoringView::default());
        }
    }
}
