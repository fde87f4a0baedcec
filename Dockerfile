# Build a static binary, then ship it alone on a minimal non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/trailhound ./cmd/trailhound

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/trailhound /trailhound
COPY --from=build /src/testdata/scenarios /scenarios
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/trailhound"]
CMD ["run"]
