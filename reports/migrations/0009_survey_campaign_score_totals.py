# The sums of each question's scores over a campaign's answers, kept by reports.services.surveys from
# now on, filled here from the answers already given.

from django.db import migrations, models

FILL = """
UPDATE reports_surveycampaign AS c
SET total_overall = s.overall, total_speed = s.speed, total_quality = s.quality,
    total_communication = s.communication
FROM (
    SELECT campaign_id, COALESCE(sum(score_overall), 0) AS overall, COALESCE(sum(score_speed), 0) AS speed,
           COALESCE(sum(score_quality), 0) AS quality, COALESCE(sum(score_communication), 0) AS communication
    FROM reports_surveyinvitation WHERE answered_at IS NOT NULL GROUP BY campaign_id
) AS s
WHERE s.campaign_id = c.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_survey_campaign_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveycampaign",
            name="total_communication",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="surveycampaign",
            name="total_overall",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="surveycampaign",
            name="total_quality",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="surveycampaign",
            name="total_speed",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
