"""Where things are in Dropout Lab, for the simulated students: page names, slider labels, widget keys."""

HOME = "app"  # the main script's page name in the app's navigation
MASKS = "Masks and subnetworks"
TRAINING = "Live training"
HOME_SLIDER = "Keep q for the hidden units"
MASKS_SLIDER = "Keep q, hidden 1"
TRAINING_SLIDER = "Keep q for the hidden units"
VIEW_KEY = "t_view"  # the Live training page's live view (a components-v2 component: Play, Pause, batches)
