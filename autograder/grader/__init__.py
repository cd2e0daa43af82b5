"""The course's autograder: build a chapter against the learner's files,
run each test in a sandbox of its own (several side by side), score from
what the grader itself saw."""
