from rest_framework import serializers


class ArtifactSerializer(serializers.Serializer):
    name = serializers.CharField()
    format = serializers.ChoiceField(choices=["png", "svg", "txt"])
    url = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    metrics = serializers.DictField(child=serializers.FloatField())
    data = serializers.DictField()
    artifacts = ArtifactSerializer(many=True)
    timings = serializers.DictField(child=serializers.FloatField())


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The row's number; address the job by `key` or `url`.")
    key = serializers.CharField(help_text="Unguessable; the job's address in `url` and in shared links.")
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    progress = serializers.IntegerField(min_value=0, max_value=100)
    stage = serializers.CharField(allow_blank=True)
    cached = serializers.BooleanField()
    spec = serializers.DictField()
    result = ResultSerializer(allow_null=True)
    error = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class JobRequestSerializer(serializers.Serializer):
    """Documents the request; validation is the engine's (it names each bad field)."""

    dataset = serializers.CharField()
    model = serializers.CharField()
    params = serializers.DictField(required=False)
    explanation = serializers.CharField()
    instance = serializers.IntegerField(required=False, allow_null=True)
    options = serializers.DictField(required=False)


class CatalogSerializer(serializers.Serializer):
    datasets = serializers.ListField(child=serializers.DictField())
    models = serializers.ListField(child=serializers.DictField())
    explanations = serializers.ListField(child=serializers.DictField())
