DROP INDEX applications_round;
DROP TABLE self_assessment_roadmap_steps;
DROP TABLE self_assessment_area_owners;
DROP TABLE self_assessment_targets;
DROP TABLE self_assessment_answers;
DROP TABLE self_assessments;
