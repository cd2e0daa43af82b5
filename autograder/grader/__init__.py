"""The course's autograder: build a chapter against the learner's files,
run each test alone with limits, score from what the grader itself saw."""
