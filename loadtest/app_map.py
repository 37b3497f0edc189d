"""Where things are in Dropout Lab, for the simulated students: page names, slider labels, widget keys."""

HOME = "app"  # the main script's page name in the app's navigation
MASKS = "Masks and subnetworks"
TRAINING = "Live training"
HOME_SLIDER = "Keep q for the hidden units"
MASKS_SLIDER = "Keep q, hidden 1"
TRAINING_SLIDER = "Keep q for the hidden units"
PLAY_KEY = "t_play"  # the Play/Pause button of the Live training page (one widget whose label changes)
