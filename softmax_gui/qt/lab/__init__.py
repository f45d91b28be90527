"""The Lab tab: same minibatches, the pitfall, the microscope."""
