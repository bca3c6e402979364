/** How to read each kind of chart; shared by the run and the compare report. */
export const CAPTIONS = {
  metrics:
    'Accuracy, and precision, recall, F1 and one-vs-rest ROC-AUC averaged over classes with equal weight (macro): a missed rare class pulls the macro figures down where accuracy hides it.',
  perClass:
    'Each class against the rest. Accuracy = (TP + TN) / all rows, recall = TP / (TP + FN), specificity = TN / (TN + FP). Per-class accuracy is close to 1 for any rare class, even one that is never found: read it beside recall.',
  roc: 'Each class’s score against all other rows; dashed: chance. The AUC in the legend is exact over all rows; curves are thinned to at most 200 points for drawing.',
  confusion:
    'Rows: true class; columns: predicted class. Each cell holds its count and its share of the true class (row-normalised); the shading follows that share.',
  training:
    'Loss and accuracy per epoch, on the rows the model trained on and on validation rows held out of the training split (never test rows).',
  spread:
    'Per class, the mean over seeds with whiskers of ± 1 sample standard deviation; a long whisker means the result depends on the seed.',
} as const;
